// Bundles LINE's LIFF SDK for the browser (the npm package has no browser global), into
// public/sdk/, which the server serves (not under /liff/, which is the LIFF page route):
//   liff-sdk.js       the SDK, exposed as window.liff (production)
//   liff-sdk-mock.js  the SDK with LINE's official mock plugin installed, for tests and local
//                     development; data for the mock comes from window.__yoyakuLiffMock.
import { build } from "esbuild";

const common = {
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2019"],
  platform: "browser",
  legalComments: "linked",
  logLevel: "warning",
};

await build({ ...common, entryPoints: ["entry-sdk.js"], outfile: "../../public/sdk/liff-sdk.js" });
await build({ ...common, entryPoints: ["entry-sdk-mock.js"], outfile: "../../public/sdk/liff-sdk-mock.js" });
