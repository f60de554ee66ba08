// See esm-interop.ts: rewrites require() of the ES modules listed there, in the CommonJS packages
// that jest.config.js sends through this file, into the already-imported ES modules (for Nest's,
// so the package and the app share one instance of each).
const ESM_REQUIRED_BY_CJS = /require\(["'](@nestjs\/(?:common|core)|content-disposition)["']\)/g;

module.exports = {
  process(source) {
    return { code: source.replace(ESM_REQUIRED_BY_CJS, 'globalThis.__esmForCjs["$1"]') };
  },
};
