/* The globals the maps' scripts share, for TypeScript's check of pipeline/render/js/ (make lint).
 * Nothing here reaches the pages.
 *
 * - `L`: Leaflet, inlined before the scripts; its types come from @types/leaflet (package.json),
 *   whose `export as namespace L` declares the global.
 * - `window.Atlas` (also the global `Atlas`): what the pages share, built by atlas.js; its type
 *   is the one TypeScript reads from atlas.js and its JSDoc.
 * - `window.atlas` and `window.atlasReady`: each page's handle on what it draws and when it
 *   finished, read by the browser tests, the benchmark and the screenshots.
 */
import 'leaflet';

declare global {
  /** What a drawn mark stands for, read back by the tooltips, the exports and the tests. */
  interface AtlasTag {
    kind: string;
    ci?: number;
    code?: string | null;
    fill?: string;
    value?: number | null;
    oneSide?: boolean;
    piece?: number;
    seller?: string;
    buyer?: string;
    direction?: string;
    greyed?: boolean;
    method?: string;
    change?: number;
    capita?: boolean;
    region?: boolean;
    claim?: string;
    verdict?: string;
    role?: string;
  }

  /** A page's handle on its map and what it draws. */
  interface AtlasHandle {
    map?: L.Map;
    state: object;
    view?: unknown;
    drawn?: unknown;
    csvRows?: () => unknown[][];
    setFocus?: (code: string | null) => void;
  }

  interface Window {
    Atlas: typeof Atlas;
    atlas: AtlasHandle;
    atlasReady: number;
  }
}

declare module 'leaflet' {
  interface Layer {
    atlas?: AtlasTag;
  }
  interface Map {
    /** Lays the map out again if its box changed size (atlas.js, createMap). */
    atlasSettle: () => void;
  }
}
