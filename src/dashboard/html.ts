// HTML from tagged templates with escaping by default: every value interpolated into `html`…``
// is escaped unless it is itself Html (another template's result). Templates are TypeScript, so
// the type checker reads them; there is no template language to learn and nothing to forget to
// escape. Attribute values must be quoted ("…") in the templates: escaping covers both quotes.
//
//   html`<td>${endpoint.url}</td>`          → the URL as text, whatever it holds
//   html`<ul>${items.map((i) => html`<li>${i}</li>`)}</ul>`

export class Html {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  toString(): string {
    return this.text;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** A value as HTML: Html as it is, arrays joined, null/undefined/false as nothing, anything else escaped text. */
function render(value: unknown): string {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1];
  return new Html(out);
}
