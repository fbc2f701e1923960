// Type surface shared by both entry points; bundlers pick node.js or browser.js by condition.
export * from './browser';
