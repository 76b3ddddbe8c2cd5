export { type BundleResult, bundleForBrowser } from "./bundle.js";
export { CHROMIUM_PATH, launchChromium, launchPersistentChromium } from "./chromium.js";
export { type ServeOptions, type StaticServer, serveFiles } from "./server.js";
