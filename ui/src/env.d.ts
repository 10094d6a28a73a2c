/** The URL of the ELK layout worker, compiled in by scripts/build-ui.mjs. */
declare const __ELK_WORKER_URL__: string

/** Stylesheets are bundled by esbuild. */
declare module "*.css"
