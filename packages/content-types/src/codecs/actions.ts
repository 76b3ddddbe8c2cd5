import {
  assertDecodable,
  type ContentCodec,
  createEncodedContent,
  type EncodedContent,
} from "../codec.js";
import { type ContentTypeId, contentTypeId } from "../content-type-id.js";
import { ContentDecodeError, ContentEncodeError } from "../errors.js";
import {
  asObject,
  type JsonObject,
  type JsonValue,
  jsonBytes,
  optionalString,
  parseJsonObject,
  requiredArray,
  requiredString,
} from "../json.js";

export const ContentTypeActions: ContentTypeId = contentTypeId("coinbase.com", "actions", 1, 0);

export type ActionStyle = "primary" | "secondary" | "danger";

export interface Action {
  id: string;
  label: string;
  imageUrl?: string | undefined;
  style?: ActionStyle | undefined;
  expiresAt?: Date | undefined;
}

/** A set of buttons; the receiver answers with an Intent naming the chosen action id. */
export interface Actions {
  id: string;
  description: string;
  actions: Action[];
  expiresAt?: Date | undefined;
}

const WHAT = "actions";
const MAX_ACTIONS = 10;
const STYLES: readonly string[] = ["primary", "secondary", "danger"];

/**
 * `coinbase.com/actions:1.0`: JSON with keys id, description, actions, expiresAt? (an action is
 * id, label, imageUrl?, style?, expiresAt?). Times are written as UTC with milliseconds
 * (`2025-01-15T12:30:45.000Z`); decoding accepts any RFC 3339 time and the snake_case aliases
 * `expires_at` and `image_url`. Encoding needs 1 to 10 actions with unique ids.
 */
export class ActionsCodec implements ContentCodec<Actions> {
  readonly contentType = ContentTypeActions;

  encode(value: Actions): EncodedContent {
    if (value.actions.length === 0) {
      throw new ContentEncodeError("Actions must contain at least one action.");
    }
    if (value.actions.length > MAX_ACTIONS) {
      throw new ContentEncodeError(`Actions cannot exceed ${MAX_ACTIONS} actions for UX reasons.`);
    }
    if (new Set(value.actions.map((a) => a.id)).size !== value.actions.length) {
      throw new ContentEncodeError("Action ids must be unique.");
    }
    for (const action of value.actions) {
      if (action.style !== undefined && !STYLES.includes(action.style)) {
        throw new ContentEncodeError(
          `action style must be one of ${STYLES.join(", ")}, got ${action.style}`,
        );
      }
    }
    const json = {
      id: value.id,
      description: value.description,
      actions: value.actions.map((a) => ({
        id: a.id,
        label: a.label,
        imageUrl: a.imageUrl,
        style: a.style,
        expiresAt: formatTime(a.expiresAt),
      })),
      expiresAt: formatTime(value.expiresAt),
    };
    return createEncodedContent({
      type: this.contentType,
      fallback: this.fallback(value),
      content: jsonBytes(json),
    });
  }

  decode(encoded: EncodedContent): Actions {
    assertDecodable(this.contentType, encoded);
    const obj = parseJsonObject(encoded.content, WHAT);
    return {
      id: requiredString(obj, "id", WHAT),
      description: requiredString(obj, "description", WHAT),
      actions: requiredArray(obj, "actions", WHAT).map((a, i) => decodeAction(a, `${WHAT}[${i}]`)),
      expiresAt: readTime(obj, WHAT),
    };
  }

  fallback(value: Actions): string | undefined {
    const list = value.actions.map((a, i) => `[${i + 1}] ${a.label}`).join("\n");
    return `${value.description}\n\n${list}\n\nReply with the number to select`;
  }

  shouldPush(): boolean {
    return true;
  }
}

function decodeAction(value: JsonValue, what: string): Action {
  const obj = asObject(value, what);
  const style = optionalString(obj, "style", what);
  if (style !== undefined && !STYLES.includes(style)) {
    throw new ContentDecodeError(`${what}: unknown style ${JSON.stringify(style)}`);
  }
  return {
    id: requiredString(obj, "id", what),
    label: requiredString(obj, "label", what),
    imageUrl: optionalString(obj, "imageUrl" in obj ? "imageUrl" : "image_url", what),
    style: style as ActionStyle | undefined,
    expiresAt: readTime(obj, what),
  };
}

/** `expiresAt` (or its alias `expires_at`): an RFC 3339 time, or missing / null. */
function readTime(obj: JsonObject, what: string): Date | undefined {
  const text = optionalString(obj, "expiresAt" in obj ? "expiresAt" : "expires_at", what);
  if (text === undefined) return undefined;
  const date = parseRfc3339(text);
  if (date === undefined) {
    throw new ContentDecodeError(
      `${what}: expiresAt ${JSON.stringify(text)} is not an RFC 3339 time`,
    );
  }
  return date;
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

export function parseRfc3339(text: string): Date | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac = "", zone] = m as unknown as string[];
  // Date.parse handles at most milliseconds; keep the first three fraction digits.
  const millis = frac === "" ? "" : frac.slice(0, 4).padEnd(4, "0");
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${s}${millis}${zone === "z" ? "Z" : zone}`;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return undefined;
  // Reject impossible dates that Date.parse rolls over (e.g. February 30).
  const check = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  if (check.getUTCDate() !== Number(d) || check.getUTCMonth() !== Number(mo) - 1) return undefined;
  return new Date(ms);
}

function formatTime(date: Date | undefined): string | undefined {
  if (date === undefined) return undefined;
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
    throw new ContentEncodeError("expiresAt must be a valid Date");
  }
  // toISOString() is exactly libxmtp's "%Y-%m-%dT%H:%M:%S%.3fZ" for years 0 to 9999.
  return date.toISOString();
}
