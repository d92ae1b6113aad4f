import { describe, expect, it } from 'vitest';
import { decodeText, imageType, previewKind } from '../../src/lib/preview';

describe('preview', () => {
  it('picks how a document is previewed from its name', () => {
    expect(previewKind('Report.PDF')).toBe('pdf');
    expect(previewKind('photo.jpeg')).toBe('image');
    expect(previewKind('figures.csv')).toBe('csv');
    expect(previewKind('README.md')).toBe('markdown');
    expect(previewKind('notes.txt')).toBe('text');
    expect(previewKind('drawing.svg'), 'SVG can carry script').toBe('none');
    expect(previewKind('setup.exe')).toBe('none');
    expect(previewKind('no extension')).toBe('none');
    expect(imageType('a.PNG')).toBe('image/png');
  });

  it('drops a character cut in half at the cap instead of showing a replacement mark', () => {
    const bytes = new TextEncoder().encode('Grüß');
    expect(decodeText(bytes, false)).toBe('Grüß');
    expect(decodeText(bytes.slice(0, bytes.length - 1), true)).toBe('Grü');
    expect(decodeText(bytes.slice(0, bytes.length - 1), false)).toBe('Grü\uFFFD');
  });
});
