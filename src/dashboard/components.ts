// Small pieces every page uses: form fields with their errors, status badges, pager links.
import { toPage } from '../http/schemas/common.ts';
import { html, type Html } from './html.ts';
import type { FieldErrors } from './kit.ts';

export interface FieldOptions {
  label: string;
  name: string;
  value?: string | number | null;
  type?: string;
  errors?: FieldErrors;
  hint?: string;
  required?: boolean;
  attrs?: Html;
}

/** A labelled input; its error (if any) is announced with it (aria-describedby, aria-invalid). */
export function field(o: FieldOptions): Html {
  const id = `f-${o.name}`;
  const error = o.errors?.[o.name];
  const described = [o.hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return html`<div class="field${error ? ' invalid' : ''}">
  <label for="${id}">${o.label}</label>
  <input id="${id}" name="${o.name}" type="${o.type ?? 'text'}" value="${o.value ?? ''}"${o.required ? html` required` : ''}${described ? html` aria-describedby="${described}"` : ''}${error ? html` aria-invalid="true"` : ''}${o.attrs ?? ''}>
  ${o.hint ? html`<p class="hint" id="${id}-hint">${o.hint}</p>` : ''}
  ${error ? html`<p class="error" id="${id}-error">${error}</p>` : ''}
</div>`;
}

export function select(o: { label: string; name: string; options: ReadonlyArray<readonly [string, string]>; value?: string | null; errors?: FieldErrors; hint?: string }): Html {
  const id = `f-${o.name}`;
  const error = o.errors?.[o.name];
  return html`<div class="field${error ? ' invalid' : ''}">
  <label for="${id}">${o.label}</label>
  <select id="${id}" name="${o.name}"${error ? html` aria-invalid="true" aria-describedby="${id}-error"` : ''}>
    ${o.options.map(([value, label]) => html`<option value="${value}"${value === (o.value ?? '') ? html` selected` : ''}>${label}</option>`)}
  </select>
  ${o.hint ? html`<p class="hint">${o.hint}</p>` : ''}
  ${error ? html`<p class="error" id="${id}-error">${error}</p>` : ''}
</div>`;
}

/** Errors that belong to no one field. */
export function formError(errors?: FieldErrors): Html {
  return errors?._ ? html`<p class="error" role="alert">${errors._}</p>` : html``;
}

export function badge(status: string): Html {
  return html`<span class="badge badge-${status}">${status}</span>`;
}

/**
 * Rows fetched with limit + 1: the page's rows, and a "Next page" link to `path` keeping the other
 * query parameters when there is more (the cursor is the last row's id).
 */
export function paged<R>(rows: R[], limit: number, path: string, query: URLSearchParams, cursorOf?: (row: R) => string): { rows: R[]; next: Html } {
  const page = toPage(rows, limit, (r) => r, cursorOf);
  if (page.next_cursor === null) return { rows: page.data, next: html`` };
  const next = new URLSearchParams(query);
  next.set('starting_after', page.next_cursor);
  return { rows: page.data, next: html`<p class="pager"><a href="${path}?${next.toString()}">Next page →</a></p>` };
}

/** A value with a copy button (the button is enhanced by dashboard.js; the value is selectable without it). */
export function copyable(label: string, id: string, value: string): Html {
  return html`<div class="copyable">
  <label for="${id}">${label}</label>
  <input id="${id}" type="text" readonly value="${value}">
  <button type="button" class="copy" data-copy="${id}" aria-label="Copy ${label}">Copy</button>
</div>`;
}

export function empty(text: string): Html {
  return html`<p class="empty">${text}</p>`;
}
