// Markdown → HTML for the storefront's pages and posts, with markdown-it: raw HTML in the source
// is escaped, not passed through (html: false), and links whose scheme could run code
// (javascript:, vbscript:, file:, data: other than images) are left as text by its validateLink.
// Pure.
import MarkdownIt from 'markdown-it';

const markdown = new MarkdownIt({ html: false, linkify: false, typographer: false });

export const renderMarkdown = (source: string): string => markdown.render(source);
