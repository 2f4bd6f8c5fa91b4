import { describe, expect, it } from 'vitest';
import * as d from '../src/decimal.js';

describe('decimal', () => {
  it('parses canonical forms and rejects exponents, NaN, signs and junk', () => {
    expect(d.normalize('000.10')).toBe('0.1');
    expect(d.normalize('1.00000000')).toBe('1');
    expect(d.normalize('0.00000000')).toBe('0');
    for (const bad of ['1e-7', '1E5', 'NaN', 'Infinity', '', '.5', '5.', '+1', ' 1', '0x10', '1,5', '-1']) {
      expect(() => d.normalize(bad), bad).toThrow(d.DecimalError);
    }
    expect(d.normalize('-0.0', { allowNegative: true })).toBe('0');
    expect(d.isDecimal('-1')).toBe(false);
    expect(d.isDecimal('-1', { allowNegative: true })).toBe(true);
  });

  it('adds, subtracts and multiplies exactly where floats do not', () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(d.add('0.1', '0.2')).toBe('0.3');
    expect(d.sub('0.3', '0.1')).toBe('0.2');
    expect(d.sub('0.1', '0.3')).toBe('-0.2');
    expect(d.mul('4.35', '100')).toBe('435');
    expect(d.mul('0.00001', '69010.01')).toBe('0.6901001');
    expect(d.mul('-2', '0.5')).toBe('-1');
  });

  it('divides to a fixed precision with the asked rounding', () => {
    expect(d.div('100', '3', 8)).toBe('33.33333333');
    expect(d.div('2', '3', 2, 'half-up')).toBe('0.67');
    expect(d.div('2', '3', 2, 'ceil')).toBe('0.67');
    expect(d.div('-2', '3', 2, 'floor')).toBe('-0.67');
    expect(d.div('100', '69010.01', 5, 'floor')).toBe('0.00144');
    expect(() => d.div('1', '0', 2)).toThrow(d.DecimalError);
  });

  it('rounds to steps: the classic float traps are exact', () => {
    expect(d.floorToStep('0.3', '0.1')).toBe('0.3');
    expect(d.isMultipleOf('0.3', '0.1')).toBe(true);
    expect(0.3 % 0.1).not.toBe(0);
    expect(d.floorToStep('4.35', '0.01')).toBe('4.35');
    expect(d.floorToStep('29999.99999999', '0.01')).toBe('29999.99');
    expect(d.ceilToStep('29999.99999999', '0.01')).toBe('30000');
    expect(d.isMultipleOf('0.0000001', '0.00000001')).toBe(true);
    expect(d.floorToStep('0.0012345', '0.00001000')).toBe('0.00123');
    expect(d.roundToStep('0.125', '0.01')).toBe('0.13');
    expect(d.isMultipleOf('5', '0')).toBe(true);
  });

  it('formats with fixed decimals and reports step decimals', () => {
    expect(d.decimalsOf('0.01000000')).toBe(2);
    expect(d.decimalsOf('1.00000000')).toBe(0);
    expect(d.decimalsOf('0.00000001')).toBe(8);
    expect(d.formatFixed('0.1', 8)).toBe('0.10000000');
    expect(d.formatFixed('10000', 2)).toBe('10000.00');
    expect(d.formatFixed('1.005', 2)).toBe('1.01');
    expect(d.formatFixed('1.005', 2, 'down')).toBe('1.00');
    expect(d.formatFixed('-0.004', 2)).toBe('0.00');
  });

  it('converts foreign numbers without exponent notation', () => {
    expect(d.fromNumber(1e-7)).toBe('0.0000001');
    expect(d.fromNumber(0.1)).toBe('0.1');
    expect(d.fromNumber(1e21)).toBe('1000000000000000000000');
    expect(d.fromNumber(-2.5e-3)).toBe('-0.0025');
    expect(() => d.fromNumber(Number.NaN)).toThrow();
  });

  it('compares across scales', () => {
    expect(d.compare('1.10', '1.1')).toBe(0);
    expect(d.lt('0.00001', '0.0001')).toBe(true);
    expect(d.gt('100', '99.99999999')).toBe(true);
    expect(d.max('1', '1.5')).toBe('1.5');
  });
});
