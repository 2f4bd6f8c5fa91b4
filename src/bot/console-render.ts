/**
 * Telegram HTML (the subset the bot sends, core.telegram.org/bots/api#html-style) rendered for
 * a terminal: ANSI styles when the output is a TTY, plain text otherwise, entities unescaped.
 */

export interface RenderOptions {
  /** ANSI bold/italic/underline; off for pipes and files. */
  color: boolean;
}

const ANSI: Record<string, [string, string]> = {
  b: ['\x1b[1m', '\x1b[22m'],
  strong: ['\x1b[1m', '\x1b[22m'],
  i: ['\x1b[3m', '\x1b[23m'],
  em: ['\x1b[3m', '\x1b[23m'],
  u: ['\x1b[4m', '\x1b[24m'],
  ins: ['\x1b[4m', '\x1b[24m'],
  s: ['\x1b[9m', '\x1b[29m'],
  strike: ['\x1b[9m', '\x1b[29m'],
  del: ['\x1b[9m', '\x1b[29m'],
  code: ['\x1b[36m', '\x1b[39m'],
  pre: ['\x1b[36m', '\x1b[39m'],
  'tg-spoiler': ['\x1b[2m', '\x1b[22m'],
};

export const dim = (text: string, options: RenderOptions): string => (options.color ? `\x1b[2m${text}\x1b[22m` : text);
export const bold = (text: string, options: RenderOptions): string => (options.color ? `\x1b[1m${text}\x1b[22m` : text);

/** Replaces the five entities Telegram's HTML mode knows plus numeric ones. */
export function unescapeEntities(text: string): string {
  return text.replace(/&(#\d+|#x[0-9a-fA-F]+|lt|gt|amp|quot);/g, (_, name: string) => {
    if (name === 'lt') return '<';
    if (name === 'gt') return '>';
    if (name === 'amp') return '&';
    if (name === 'quot') return '"';
    const code = name.startsWith('#x') ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
    return Number.isFinite(code) && code >= 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '';
  });
}

/** Tags become styles (or vanish), a link shows its address after the text, entities are decoded. */
export function renderHtml(html: string, options: RenderOptions): string {
  const links: string[] = [];
  const out = html.replace(/<(\/?)([a-zA-Z-]+)([^>]*)>/g, (_, closing: string, rawTag: string, attrs: string) => {
    const tag = rawTag.toLowerCase();
    if (tag === 'a') {
      if (!closing) {
        links.push(/href="([^"]*)"/.exec(attrs)?.[1] ?? '');
        return '';
      }
      const href = links.pop();
      return href ? ` (${href})` : '';
    }
    const style = ANSI[tag];
    if (!style || !options.color) return '';
    return closing ? style[1] : style[0];
  });
  return unescapeEntities(out);
}
