/** The package's version, read from its package.json (one level above dist/ and src/), and the operator image it names. */
import { readFileSync } from 'node:fs';

export const VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/**
 * The image `scripts/build-image.sh` tags and `rck render operator` deploys by default.
 * `localhost/` never resolves to a public registry: a cluster that was not given the image
 * (kind load, a push and --image) fails to pull it instead of running someone else's.
 */
export const IMAGE_REPOSITORY = 'localhost/rck';
export const DEFAULT_IMAGE = `${IMAGE_REPOSITORY}:${VERSION}`;
