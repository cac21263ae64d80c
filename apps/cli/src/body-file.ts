// Request bodies from files: plan files go to the API as written (it reads YAML and
// JSON, and reports problems by line); other bodies are parsed here into JSON.
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse } from 'yaml';
import type { Body } from './api-client.js';
import { UsageError } from './cli-errors.js';

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

function isJson(path: string, text: string): boolean {
  const extension = extname(path).toLowerCase();
  if (extension === '.json') return true;
  if (extension === '.yaml' || extension === '.yml') return false;
  return text.trimStart().startsWith('{');
}

/** The file's text with the content type its extension (or first character) says. */
export async function rawBodyFile(path: string): Promise<Body> {
  const text = await readText(path);
  return { text, contentType: isJson(path, text) ? 'application/json' : 'application/yaml' };
}

/** The file parsed (YAML or JSON) and sent as JSON, for endpoints that take JSON only. */
export async function jsonBodyFile(path: string): Promise<Body> {
  const text = await readText(path);
  try {
    return { json: isJson(path, text) ? JSON.parse(text) : parse(text) };
  } catch (error) {
    throw new UsageError(`${path}: ${(error as Error).message.split('\n')[0]}`);
  }
}
