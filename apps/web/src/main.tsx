// The dashboard's entry point, bundled by apps/web/build.mjs.
import './zod-config.js';
import { render } from 'preact';
import { App } from './app.js';

render(<App />, document.getElementById('app')!);
