// Herald's version, from package.json: the API document and the webhook User-Agent carry it.
import { readFileSync } from 'node:fs';

export const VERSION: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;
