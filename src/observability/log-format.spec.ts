import { logFormatFor } from './log-format.js';

describe('logFormatFor', () => {
  const terminal = { isTTY: true };
  const pipe = { isTTY: undefined };

  it.each([
    ['development', terminal, 'pretty'],
    ['test', terminal, 'pretty'],
    ['production', terminal, 'json'],
    ['development', pipe, 'json'],
    ['production', pipe, 'json'],
  ] as const)('NODE_ENV=%s on %j without LOG_FORMAT: %s', (nodeEnv, stdout, format) => {
    expect(logFormatFor({ nodeEnv }, stdout)).toBe(format);
  });

  it.each([
    ['json', 'development', terminal],
    ['pretty', 'production', pipe],
  ] as const)('LOG_FORMAT=%s wins over NODE_ENV=%s on %j', (logFormat, nodeEnv, stdout) => {
    expect(logFormatFor({ logFormat, nodeEnv }, stdout)).toBe(logFormat);
  });
});
