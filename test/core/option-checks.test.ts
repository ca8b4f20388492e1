import { describe, expect, it } from 'vitest';
import { checkArray, checkFunction, checkInteger, checkNonEmptyString, checkNumber, checkObject, checkString, integerError, numberError } from '../../src/core/option-checks.js';

describe('checkNumber', () => {
  it('accepts a finite number within the bounds, both ends included', () => {
    expect(() => checkNumber('c', 'x', 0, 0, 1)).not.toThrow();
    expect(() => checkNumber('c', 'x', 1, 0, 1)).not.toThrow();
  });

  it.each([
    [Number.NaN, 0, Infinity, false, 'c: x must be a finite number >= 0, got NaN'],
    [Infinity, 0, Infinity, false, 'c: x must be a finite number >= 0, got Infinity'],
    [-1, 0, Infinity, false, 'c: x must be a finite number >= 0, got -1'],
    [2, 0, 1, false, 'c: x must be a finite number >= 0 and <= 1, got 2'],
    [0, 0, 1, true, 'c: x must be a finite number > 0 and <= 1, got 0'],
  ])('rejects %s with a RangeError naming the option and the bounds', (value, min, max, exclusive, message) => {
    expect(() => checkNumber('c', 'x', value, min, max, exclusive)).toThrow(new RangeError(message));
  });

  it('rejects a value that is not a number', () => {
    expect(() => checkNumber('c', 'x', '5' as unknown as number, 0)).toThrow(RangeError);
  });

  it('says only "a finite number" when there is no bound', () => {
    expect(() => checkNumber('c', 'x', -1e9, -Infinity)).not.toThrow();
    expect(() => checkNumber('c', 'x', Number.NaN, -Infinity)).toThrow(new RangeError('c: x must be a finite number, got NaN'));
  });

  it('accepts Infinity when allowed (a limit that is off) and says so', () => {
    expect(() => checkNumber('c', 'x', Infinity, 0, Infinity, true, true)).not.toThrow();
    expect(() => checkNumber('c', 'x', 0, 0, Infinity, true, true)).toThrow(new RangeError('c: x must be a finite number > 0 (or Infinity), got 0'));
    expect(() => checkNumber('c', 'x', -Infinity, 0, Infinity, false, true)).toThrow(RangeError);
  });

  it('numberError is the error checkNumber throws; an empty component leaves the prefix to the caller', () => {
    expect(numberError('acquire', 'priority', Number.NaN, -Infinity)).toEqual(new RangeError('acquire: priority must be a finite number, got NaN'));
    expect(numberError('', '--minutes', '0', 0, Infinity, true)).toEqual(new RangeError('--minutes must be a finite number > 0, got 0'));
  });
});

describe('checkString, checkNonEmptyString, checkObject', () => {
  it('checkString accepts any string, the empty one too (a key prefix)', () => {
    expect(() => checkString('c', 'prefix', '')).not.toThrow();
    expect(() => checkString('c', 'prefix', 1)).toThrow(new TypeError('c: prefix must be a string, got number'));
  });

  it('checkNonEmptyString refuses white space only when asked', () => {
    expect(() => checkNonEmptyString('c', 'name', ' ')).not.toThrow();
    expect(() => checkNonEmptyString('c', 'name', ' ', true)).toThrow(new TypeError('c: name must be a non-empty string, got " "'));
    expect(() => checkNonEmptyString('c', 'name', undefined)).toThrow(new TypeError('c: name must be a non-empty string, got undefined'));
  });

  it('checkObject refuses null and non-objects, with the hint', () => {
    expect(() => checkObject('c', 'options', {})).not.toThrow();
    expect(() => checkObject('c', 'options', null)).toThrow(new TypeError('c: options must be an object, got null'));
    expect(() => checkObject('c', 'window', 3, "like { kind: 'count' }")).toThrow(new TypeError("c: window must be an object like { kind: 'count' }, got 3"));
  });
});

describe('checkInteger', () => {
  it('accepts an integer at or above the minimum', () => {
    expect(() => checkInteger('c', 'n', 1, 1)).not.toThrow();
  });

  it.each([
    [0, 'c: n must be an integer >= 1, got 0'],
    [1.5, 'c: n must be an integer >= 1, got 1.5'],
    [Number.NaN, 'c: n must be an integer >= 1, got NaN'],
    ['2' as unknown as number, 'c: n must be an integer >= 1, got 2'],
  ])('rejects %s with a RangeError naming the option', (value, message) => {
    expect(() => checkInteger('c', 'n', value, 1)).toThrow(new RangeError(message));
  });

  it('bounds from above when given a maximum, in the wording of checkNumber', () => {
    expect(() => checkInteger('c', 'n', 10, 1, false, 10)).not.toThrow();
    expect(() => checkInteger('c', 'n', 11, 1, false, 10)).toThrow(new RangeError('c: n must be an integer >= 1 and <= 10, got 11'));
    expect(() => checkInteger('c', 'n', Infinity, 0, true, 10)).not.toThrow();
  });

  it('integerError is the error checkInteger throws, for a promise to reject with', () => {
    expect(integerError('limiter', 'cost', 0, 1)).toEqual(new RangeError('limiter: cost must be an integer >= 1, got 0'));
  });
});

describe('checkFunction', () => {
  it('accepts a function and rejects anything else with a TypeError naming the option', () => {
    expect(() => checkFunction('c', 'f', () => 1)).not.toThrow();
    expect(() => checkFunction('c', 'f', 1)).toThrow(new TypeError('c: f must be a function, got number'));
  });
});

describe('checkArray', () => {
  it('accepts an array of at least minLength items', () => {
    expect(() => checkArray('failoverGroup', 'endpoints', [1], 1)).not.toThrow();
    expect(() => checkArray('x', 'list', [])).not.toThrow();
  });

  it('names the option, what the items are, the minimum and what it got', () => {
    expect(() => checkArray('failoverGroup', 'endpoints', [], 1, 'of { name, target }')).toThrow(new TypeError('failoverGroup: endpoints must be an array of { name, target } with at least 1 item, got 0 items'));
    expect(() => checkArray('x', 'list', 'a', 2)).toThrow(new TypeError('x: list must be an array with at least 2 items, got a'));
    expect(() => checkArray('x', 'names', undefined, 0, 'of names')).toThrow(new TypeError('x: names must be an array of names, got undefined'));
  });
});
