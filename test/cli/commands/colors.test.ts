import { describe, expect, it } from 'vitest';
import { colorsWanted } from '../../../src/cli/commands/colors.js';

describe('colorsWanted', () => {
  const tty = { isTTY: true };

  it('colours a terminal when NO_COLOR is absent', () => {
    expect(colorsWanted(tty, {})).toBe(true);
  });

  it('regression: an empty NO_COLOR counts as not set', () => {
    expect(colorsWanted(tty, { NO_COLOR: '' })).toBe(true);
  });

  it('writes plain text when NO_COLOR has any non-empty value', () => {
    expect(colorsWanted(tty, { NO_COLOR: '1' })).toBe(false);
    expect(colorsWanted(tty, { NO_COLOR: '0' })).toBe(false);
  });

  it('writes plain text when the stream is not a terminal', () => {
    expect(colorsWanted({ isTTY: false }, {})).toBe(false);
    expect(colorsWanted({}, {})).toBe(false);
  });
});
