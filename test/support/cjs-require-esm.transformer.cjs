// See esm-interop.ts: rewrites require('@nestjs/common' | '@nestjs/core') in a CommonJS package
// into the already-imported ES modules, so the package and the app share one instance of each.
module.exports = {
  process(source) {
    return {
      code: source.replace(
        /require\(["'](@nestjs\/(?:common|core))["']\)/g,
        'globalThis.__esmForCjs["$1"]',
      ),
    };
  },
};
