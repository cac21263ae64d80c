// Small hooks: the live feed's state, and data read over HTTP that refetches when the
// feed says it changed.
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from './api.js';
import type { FeedState, LiveFeed } from './feed.js';

export function useFeed(feed: LiveFeed): FeedState {
  const [state, setState] = useState(feed.current);
  useEffect(() => {
    setState(feed.current);
    return feed.subscribe(() => setState(feed.current));
  }, [feed]);
  return state;
}

export interface Loaded<T> {
  data: T | undefined;
  error: string | null;
}

/** Runs `load` now and whenever a key changes; keeps the last data while reloading. */
export function useLoad<T>(load: () => Promise<T>, keys: unknown[]): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>({ data: undefined, error: null });
  useEffect(() => {
    let current = true;
    load().then(
      (data) => current && setState({ data, error: null }),
      (error: unknown) => current && setState((before) => ({ data: before.data, error: message(error) })),
    );
    return () => {
      current = false;
    };
  }, keys);
  return state;
}

export function message(error: unknown): string {
  if (error instanceof ApiError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

/** The page's route, from the URL's hash (`#/rollouts/ID`): only `/` is served. */
export function useRoute(): string[] {
  const parse = () => location.hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  const [route, setRoute] = useState(parse);
  useEffect(() => {
    const changed = () => setRoute(parse());
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return route;
}
