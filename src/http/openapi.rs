//! OpenAPI 3.1 of the HTTP API (`GET /openapi.json`), built from the table below: each
//! operation with its parameters, request body and responses, and the JSON Schemas of what the
//! API exchanges. `tests/it/openapi.rs` fails when a route registered in `mod.rs` is missing
//! here, and validates real answers against these schemas; `.ci/schemathesis` generates
//! requests from it (docs/api-testing.md), so parameter schemas say what the API accepts and
//! every status it answers is declared.

use actix_web::HttpResponse;
use serde_json::{json, Map, Value};

/// Where a parameter goes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum In {
    Path,
    Query,
}

/// A parameter: its schema is a JSON type or a component of [`schemas`].
struct Param {
    name: &'static str,
    location: In,
    required: bool,
    schema: &'static str,
    description: &'static str,
}

/// One response: status, media type, schema (a component name, or "" for none) and meaning.
type Response = (u16, &'static str, &'static str, &'static str);

struct Operation {
    method: &'static str,
    path: &'static str,
    summary: &'static str,
    /// The path's `{parameters}` and the query parameters.
    params: &'static [Param],
    /// Media type and component of the request body.
    body: Option<(&'static str, &'static str)>,
    responses: &'static [Response],
}

const JSON: &str = "application/json";
const PROBLEM: &str = "application/problem+json";
const LD: &str = "application/ld+json";

/// An optional query parameter.
const fn q(name: &'static str, schema: &'static str, description: &'static str) -> Param {
    Param {
        name,
        location: In::Query,
        required: false,
        schema,
        description,
    }
}

/// A required query parameter.
const fn rq(name: &'static str, schema: &'static str, description: &'static str) -> Param {
    Param {
        required: true,
        ..q(name, schema, description)
    }
}

/// A path parameter (always required).
const fn p(name: &'static str, schema: &'static str, description: &'static str) -> Param {
    Param {
        location: In::Path,
        ..rq(name, schema, description)
    }
}

const YEAR: Param = q(
    "year",
    "Year",
    "The year (default: the current one, or the latest with figures on dashboards).",
);
const PRODUCT: Param = p(
    "id",
    "Uuid",
    "The product's UUID (a label URI path, percent-encoded, is accepted too).",
);
const LOCODE: Param = p("locode", "Locode", "The city's UN/LOCODE.");
const LINK_TYPE: Param = q(
    "linkType",
    "string",
    "gs1:epcis for the product's EPCIS events.",
);
const NOT_FOUND: Response = (404, PROBLEM, "Problem", "Nothing with this id or name.");
const BAD: Response = (
    400,
    PROBLEM,
    "Problem",
    "A malformed parameter or body; the problem names it.",
);
/// The ledger's refusals of an event, by reason (docs/api.md).
const NOT_ALLOWED: Response = (
    403,
    PROBLEM,
    "Problem",
    "Not allowed: a bad signature, a revoked actor, a role or custodian the rules refuse.",
);
const UNKNOWN_PRODUCT: Response = (404, PROBLEM, "Problem", "The event's product is unknown.");
const REFUSED: Response = (
    409,
    PROBLEM,
    "Problem",
    "Conflict with the ledger's state (an illegal transition, a stale prev, a duplicate).",
);
const NOT_ACCEPTABLE: Response = (
    422,
    PROBLEM,
    "Problem",
    "Not acceptable: an unknown actor or city, a mass balance or time the rules refuse.",
);
const TOO_LARGE: Response = (
    413,
    PROBLEM,
    "Problem",
    "The body exceeds this endpoint's limit (docs/api.md).",
);
const UNAVAILABLE: Response = (
    503,
    PROBLEM,
    "Problem",
    "The database is unavailable; nothing was changed.",
);
const HTML: Response = (200, "text/html", "", "An HTML page.");
const CSV: Response = (200, "text/csv", "", "CSV with a header row.");
const EPCIS_QUERY: Response = (200, LD, "EpcisQueryDocument", "An EPCISQueryDocument.");
const EPCIS_ERROR: Response = (
    400,
    PROBLEM,
    "Problem",
    "epcisException:QueryParameterException, naming the parameter.",
);
const EPCIS_MISSING: Response = (
    404,
    PROBLEM,
    "Problem",
    "epcisException:NoSuchResourceException.",
);
/// The passport resolver answers a browser with pages and `Accept: application/json` (or
/// `linkType=gs1:epcis`) with problems.
const PASSPORT: &[Response] = &[
    HTML,
    (200, JSON, "Passport", "With Accept: application/json."),
    EPCIS_QUERY,
    (400, "text/html", "", "Not a label."),
    BAD,
    (404, "text/html", "", "Unknown product."),
    EPCIS_MISSING,
];

/// The answers of a lot's or a container's label URI (docs/lifecycle.md §8).
const LOT_PAGE: &[Response] = &[
    HTML,
    (200, JSON, "LotPage", "With Accept: application/json."),
    (400, "text/html", "", "Not a lot label."),
    BAD,
    (404, "text/html", "", "Unknown lot."),
    NOT_FOUND,
];
const CONTAINER_PAGE: &[Response] = &[
    HTML,
    (200, JSON, "ContainerPage", "With Accept: application/json."),
    (
        400,
        "text/html",
        "",
        "Not a container label (an SSCC's length or check digit is wrong).",
    ),
    BAD,
    (404, "text/html", "", "Unknown container."),
    NOT_FOUND,
];

const OPERATIONS: &[Operation] = &[
    Operation { method: "get", path: "/", summary: "The home page: the log, the cities, the scan station, search", params: &[], body: None,
        responses: &[HTML] },
    Operation { method: "get", path: "/search", summary: "Find a product by label URI, product id, short id or serial (the home page's form)",
        params: &[q("q", "string", "What to look for (at most 500 characters).")], body: None,
        responses: &[(303, "text/html", "", "One product found: its passport (Location)."),
                     (200, "text/html", "", "Several products found, or nothing searched."),
                     (400, "text/html", "", "The search text is too long."), BAD,
                     (404, "text/html", "", "Nothing found: the page says what was searched.")] },
    Operation { method: "get", path: "/healthz", summary: "Health and log size", params: &[], body: None,
        responses: &[(200, JSON, "Health", "The database answers."), UNAVAILABLE] },
    Operation { method: "post", path: "/v1/events", summary: "Record one signed event", params: &[], body: Some((JSON, "SignedEvent")),
        responses: &[(201, JSON, "Receipt", "Recorded."), (200, JSON, "Receipt", "A replay: the original receipt."), BAD, NOT_ALLOWED,
                     UNKNOWN_PRODUCT, REFUSED, TOO_LARGE, NOT_ACCEPTABLE, UNAVAILABLE] },
    Operation { method: "post", path: "/v1/events/batch", summary: "Record signed events (each, or all with atomic=true)",
        params: &[q("atomic", "boolean", "All or nothing.")], body: Some((JSON, "SignedEventList")),
        responses: &[(200, JSON, "BatchAnswer", "A receipt or a problem per event, in order."), BAD, TOO_LARGE, UNAVAILABLE] },
    Operation { method: "get", path: "/v1/products", summary: "Every product in id order, a page at a time",
        params: &[q("after", "Uuid", "The `next` of the previous page (default: from the first product)."),
                  q("limit", "PageLimit", "1 to 10,000 (default 1,000).")], body: None,
        responses: &[(200, JSON, "ProductPage", "A page of products; `next` is null on the last."), BAD] },
    Operation { method: "get", path: "/v1/products/{id}", summary: "A product", params: &[PRODUCT], body: None,
        responses: &[(200, JSON, "Product", "The product."), BAD, NOT_FOUND] },
    Operation { method: "get", path: "/v1/products/{id}/events", summary: "A product's events in log order", params: &[PRODUCT], body: None,
        responses: &[(200, JSON, "LoggedEventList", "The events."), BAD, NOT_FOUND] },
    Operation { method: "get", path: "/v1/lots", summary: "Every lot (weighed bulk), in id order", params: &[], body: None,
        responses: &[(200, JSON, "LotList", "The lots.")] },
    Operation { method: "get", path: "/v1/lots/{id}", summary: "A lot", params: &[p("id", "Uuid", "The lot's id.")], body: None,
        responses: &[(200, JSON, "Lot", "The lot."), BAD, NOT_FOUND] },
    Operation { method: "get", path: "/v1/lots/{id}/events", summary: "A lot's events in log order", params: &[p("id", "Uuid", "The lot's id.")],
        body: None, responses: &[(200, JSON, "LoggedEventList", "The events."), BAD, NOT_FOUND] },
    Operation { method: "get", path: "/v1/containers", summary: "Every container, in id order", params: &[], body: None,
        responses: &[(200, JSON, "ContainerList", "The containers.")] },
    Operation { method: "get", path: "/v1/containers/{id}", summary: "A container and what is in it",
        params: &[p("id", "Uuid", "The container's id.")], body: None,
        responses: &[(200, JSON, "Container", "The container."), BAD, NOT_FOUND] },
    Operation { method: "get", path: "/v1/containers/{id}/events", summary: "A container's events in log order",
        params: &[p("id", "Uuid", "The container's id.")], body: None,
        responses: &[(200, JSON, "LoggedEventList", "The events."), BAD, NOT_FOUND] },
    Operation { method: "get", path: "/v1/transit", summary: "Hand-overs still waiting for their receiver, oldest first",
        params: &[q("older_than", "string", "An age (48h, 7d, 30m) or an RFC 3339 time: only hand-overs made before it."),
                  q("to", "UuidOrAnyone", "Only hand-overs to this actor (empty: to anyone).")], body: None,
        responses: &[(200, JSON, "TransitList", "The subjects in transit."), BAD] },
    Operation { method: "get", path: "/v1/lots/{id}/label.svg", summary: "A lot's label as SVG", params: &[p("id", "Uuid", "The lot's id.")], body: None,
        responses: &[(200, "image/svg+xml", "", "The label."), BAD, NOT_FOUND] },
    Operation { method: "get", path: "/v1/lots/{id}/label.png", summary: "A lot's label as PNG", params: &[p("id", "Uuid", "The lot's id.")], body: None,
        responses: &[(200, "image/png", "", "The label."), BAD, NOT_FOUND] },
    Operation { method: "get", path: "/v1/containers/{id}/label.svg", summary: "A container's label as SVG", params: &[p("id", "Uuid", "The container's id.")], body: None,
        responses: &[(200, "image/svg+xml", "", "The label."), BAD, NOT_FOUND] },
    Operation { method: "get", path: "/v1/containers/{id}/label.png", summary: "A container's label as PNG", params: &[p("id", "Uuid", "The container's id.")], body: None,
        responses: &[(200, "image/png", "", "The label."), BAD, NOT_FOUND] },
    Operation { method: "get", path: "/l/{id}", summary: "Resolve a lot's label URI: its page, or the lot and its events as JSON",
        params: &[p("id", "Uuid", "The lot's UUID.")], body: None, responses: LOT_PAGE },
    Operation { method: "get", path: "/c/{id}", summary: "Resolve a container's label URI (no SSCC): its page, or JSON",
        params: &[p("id", "Uuid", "The container's UUID.")], body: None, responses: CONTAINER_PAGE },
    Operation { method: "get", path: "/00/{sscc}", summary: "Resolve a container's GS1 Digital Link by SSCC: its page, or JSON",
        params: &[p("sscc", "Sscc", "The SSCC, 18 digits with a valid check digit.")], body: None, responses: CONTAINER_PAGE },
    Operation { method: "get", path: "/transit", summary: "The hand-overs still in transit, oldest first, as a page",
        params: &[q("older_than", "string", "An age (48h, 7d, 30m) or an RFC 3339 time: only hand-overs made before it."),
                  q("to", "UuidOrAnyone", "Only hand-overs to this actor (empty: to anyone).")], body: None,
        responses: &[HTML, BAD] },
    Operation { method: "get", path: "/v1/products/{id}/label.svg", summary: "The product's label as SVG", params: &[PRODUCT], body: None,
        responses: &[(200, "image/svg+xml", "", "The label."), BAD, NOT_FOUND] },
    Operation { method: "get", path: "/v1/products/{id}/label.png", summary: "The product's label as PNG", params: &[PRODUCT], body: None,
        responses: &[(200, "image/png", "", "The label."), BAD, NOT_FOUND] },
    Operation { method: "get", path: "/01/{gtin}/21/{serial}", summary: "Resolve a Digital Link: passport page, JSON, or EPCIS events",
        params: &[p("gtin", "Gtin", "The GTIN as printed (8, 12, 13 or 14 digits)."),
                  p("serial", "Serial", "The serial (GS1 character set 82), percent-encoded in the path."), LINK_TYPE],
        body: None, responses: PASSPORT },
    Operation { method: "get", path: "/p/{id}", summary: "Resolve an unlabelled product's URI",
        params: &[p("id", "Uuid", "The product's UUID."), LINK_TYPE], body: None, responses: PASSPORT },
    Operation { method: "get", path: "/r/{seq}", summary: "An entry's printable receipt, with its inclusion proof as a QR code",
        params: &[p("seq", "Seq", "The entry's seq, in plain decimal.")], body: None,
        responses: &[HTML, (200, JSON, "EntryReceipt", "With Accept: application/json."), BAD, NOT_FOUND] },
    Operation { method: "get", path: "/scan", summary: "The scan station page", params: &[], body: None, responses: &[HTML] },
    Operation { method: "get", path: "/scan/key.svg", summary: "A station's public key as a QR code",
        params: &[rq("public_key", "PublicKey", "Base64 of the 32-byte Ed25519 key.")], body: None,
        responses: &[(200, "image/svg+xml", "", "The QR code."), BAD] },
    Operation { method: "get", path: "/assets/{name}", summary: "The station's scripts and style sheet",
        params: &[p("name", "AssetName", "The file.")], body: None,
        responses: &[(200, "text/javascript", "", "A script."), (200, "text/css", "", "The style sheet."), NOT_FOUND] },
    Operation { method: "get", path: "/v1/actors", summary: "Every actor", params: &[], body: None,
        responses: &[(200, JSON, "ActorList", "The actors.")] },
    Operation { method: "get", path: "/v1/actors/{id}", summary: "An actor", params: &[p("id", "Uuid", "The actor's id.")], body: None,
        responses: &[(200, JSON, "Actor", "The actor."), BAD, NOT_FOUND] },
    Operation { method: "get", path: "/v1/cities", summary: "Every city", params: &[], body: None,
        responses: &[(200, JSON, "CityList", "The cities.")] },
    Operation { method: "get", path: "/cities", summary: "The cities compared (dashboard)", params: &[YEAR], body: None, responses: &[HTML, BAD] },
    Operation { method: "get", path: "/cities.csv", summary: "The cities compared, as CSV", params: &[YEAR], body: None, responses: &[CSV, BAD] },
    Operation { method: "get", path: "/cities/{locode}", summary: "A city's dashboard", params: &[LOCODE, YEAR], body: None,
        responses: &[HTML, BAD, NOT_FOUND] },
    Operation { method: "get", path: "/cities/{locode}/{chart}", summary: "The table under a dashboard chart ({chart} is flows.csv, rates.csv, materials.csv or lifespans.csv)",
        params: &[LOCODE, p("chart", "ChartFile", "The chart's table."), YEAR], body: None, responses: &[CSV, BAD, NOT_FOUND] },
    Operation { method: "get", path: "/epcis/context.jsonld", summary: "Our JSON-LD context (ewl: terms)", params: &[], body: None,
        responses: &[(200, LD, "JsonLdContext", "The context.")] },
    Operation { method: "get", path: "/epcis/events", summary: "EPCIS 2.0 SimpleEventQuery (subset)",
        params: &[q("eventType", "string", "ObjectEvent|TransformationEvent|…"), q("GE_eventTime", "DateTime", "RFC 3339."),
                  q("LT_eventTime", "DateTime", "RFC 3339."), q("EQ_bizStep", "string", "List."), q("EQ_disposition", "string", "List."),
                  q("MATCH_epc", "string", "List of EPC URIs (epcList, childEPCs)."), q("MATCH_anyEPC", "string", "List of EPC URIs."),
                  q("MATCH_parentID", "string", "List of container URIs."), q("MATCH_epcClass", "string", "List of lot URIs."),
                  q("MATCH_anyEPCClass", "string", "List of class URIs (lots, material fractions)."),
                  q("EQ_bizLocation", "string", "List of location URIs."), q("perPage", "PerPage", "1 to 1000."),
                  q("nextPageToken", "PageToken", "From the previous page's Link header.")],
        body: None, responses: &[EPCIS_QUERY, EPCIS_ERROR] },
    Operation { method: "post", path: "/epcis/capture", summary: "Capture an EPCISDocument of signed events, all or nothing", params: &[],
        body: Some((LD, "EpcisDocument")),
        responses: &[(201, JSON, "CaptureAnswer", "Recorded."), (400, PROBLEM, "Problem", "epcisException:ValidationException with each event's error."),
                     TOO_LARGE, UNAVAILABLE] },
    Operation { method: "get", path: "/epcis/events/{id}", summary: "One EPCIS event (urn:uuid:…), and its error declaration when it was declared in error",
        params: &[p("id", "EpcisEventId", "urn:uuid:… or the bare UUID.")], body: None, responses: &[EPCIS_QUERY, EPCIS_MISSING] },
    Operation { method: "get", path: "/epcis/epcs/{epc}/events", summary: "A product's, lot's or container's EPCIS events ({epc}: its URI, percent-encoded)",
        params: &[p("epc", "Epc", "The label URI of a product (or its id), a lot or a container.")], body: None, responses: &[EPCIS_QUERY, EPCIS_MISSING] },
    Operation { method: "get", path: "/v1/stats", summary: "Every city's statistics", params: &[YEAR], body: None,
        responses: &[(200, JSON, "StatsAll", "The statistics."), BAD] },
    Operation { method: "get", path: "/v1/stats/years", summary: "Every city and year the statistics report", params: &[], body: None,
        responses: &[(200, JSON, "StatsYears", "Each LOCODE with stored figures and its years, in order.")] },
    Operation { method: "get", path: "/v1/stats/{locode}", summary: "A city's statistics ({locode}.csv for CSV)",
        params: &[p("locode", "LocodeOrCsv", "The city's UN/LOCODE, with .csv for CSV."), YEAR], body: None,
        responses: &[(200, JSON, "CityStats", "The KPIs."), CSV, BAD, NOT_FOUND] },
    Operation { method: "get", path: "/v1/log/checkpoint", summary: "The latest checkpoint (C2SP signed note)",
        params: &[q("witnessed", "boolean", "The latest one a witness cosigned.")], body: None,
        responses: &[(200, "text/plain", "", "The note."), BAD, NOT_FOUND] },
    Operation { method: "get", path: "/v1/log/key", summary: "The log's verifier key", params: &[], body: None,
        responses: &[(200, "text/plain", "", "The key.")] },
    Operation { method: "get", path: "/v1/log/entries", summary: "Entries as NDJSON of their exact bytes",
        params: &[q("start", "Seq", "First seq."), q("limit", "PageLimit", "1 to 10,000 (default 1,000).")], body: None,
        responses: &[(200, "application/x-ndjson", "", "One entry per line."), BAD] },
    Operation { method: "get", path: "/v1/log/entries/{seq}", summary: "One entry's exact bytes",
        params: &[p("seq", "Seq", "The entry's seq, in plain decimal.")], body: None,
        responses: &[(200, JSON, "Entry", "The entry."), BAD, NOT_FOUND] },
    Operation { method: "get", path: "/v1/log/proof/inclusion", summary: "RFC 9162 inclusion proof",
        params: &[rq("seq", "Seq", "The entry."), q("size", "TreeSize", "Tree size (default: the latest checkpoint's).")], body: None,
        responses: &[(200, JSON, "InclusionProof", "The proof."), BAD] },
    Operation { method: "get", path: "/v1/log/proof/consistency", summary: "RFC 9162 consistency proof",
        params: &[rq("from", "TreeSize", "Smaller size."), q("to", "TreeSize", "Larger size (default: the latest checkpoint's).")], body: None,
        responses: &[(200, JSON, "ConsistencyProof", "The proof."), BAD] },
    Operation { method: "get", path: "/v1/log/proof/event/{id}", summary: "An event's proof bundle",
        params: &[p("id", "Uuid", "The event's id.")], body: None,
        responses: &[(200, JSON, "ProofBundle", "Entry, inclusion proof and checkpoint."), BAD, NOT_FOUND] },
    Operation { method: "post", path: "/v1/log/cosignature", summary: "A witness's cosignature of a checkpoint", params: &[],
        body: Some(("text/plain", "string")),
        responses: &[(201, JSON, "CosignatureAnswer", "Accepted."), BAD, (404, PROBLEM, "Problem", "This log signed no checkpoint of that size."),
                     TOO_LARGE] },
    Operation { method: "get", path: "/v1/log/export", summary: "The whole log, streamed (docs/audit.md)", params: &[], body: None,
        responses: &[(200, "application/x-ndjson", "", "The export.")] },
    Operation { method: "get", path: "/openapi.json", summary: "This document", params: &[], body: None,
        responses: &[(200, JSON, "", "OpenAPI 3.1.")] },
    Operation { method: "get", path: "/metrics", summary: "Operational metrics (Prometheus text format 0.0.4)", params: &[], body: None,
        responses: &[(200, "text/plain", "", "Append batches, events by kind and outcome, HTTP latency by route, queue and pool.")] },
];

/// The JSON Schemas of the API's JSON (JSON Schema 2020-12, as OpenAPI 3.1 uses).
fn schemas() -> Value {
    let hex = json!({"type": "string", "pattern": "^[0-9a-f]{64}$"});
    let uuid = json!({"type": "string", "format": "uuid"});
    let kpis = json!({"type": "object", "required": ["pom_kg", "collected_kg", "collected_informal_kg",
        "informal_share_pct", "eu_collection_rate_pct", "weee_generated_modelled_kg", "recycling_rate_pct"],
        "additionalProperties": true});
    // Lots, containers and hand-overs (docs/lifecycle.md §8): a json! of their own, one macro
    // holds only so many members.
    let subjects = json!({
        "Lot": {"type": "object", "required": ["id", "kind", "state", "uri", "head", "category", "mass_g", "channel", "collected"],
            "properties": {"id": uuid, "kind": {"const": "lot"}, "state": {"type": "string"}, "custodian": uuid, "uri": {"type": "string"},
                           "category": {"type": "string"}, "mass_g": {"type": "integer"}, "units": {"type": "integer"},
                           "channel": {"type": "string"}, "aggregator": {"type": "string"}, "inside": uuid,
                           "transit": {"$ref": "#/components/schemas/Transit"},
                           "head": {"type": "object", "required": ["seq", "leaf_hash"], "properties": {"seq": {"type": "integer"}, "leaf_hash": hex}}},
            "additionalProperties": true},
        "Container": {"type": "object", "required": ["id", "kind", "state", "uri", "head", "children"],
            "properties": {"id": uuid, "kind": {"const": "container"}, "state": {"type": "string"}, "custodian": uuid, "uri": {"type": "string"},
                           "sscc": {"type": "string", "pattern": "^[0-9]{18}$"},
                           "children": {"type": "array", "items": {"type": "object", "required": ["kind", "id"],
                               "properties": {"kind": {"enum": ["product", "lot"]}, "id": uuid}}},
                           "transit": {"$ref": "#/components/schemas/Transit"},
                           "head": {"type": "object", "required": ["seq", "leaf_hash"], "properties": {"seq": {"type": "integer"}, "leaf_hash": hex}}},
            "additionalProperties": true},
        "LotList": {"type": "array", "items": {"$ref": "#/components/schemas/Lot"}},
        "ContainerList": {"type": "array", "items": {"$ref": "#/components/schemas/Container"}},
        "Transit": {"type": "object", "required": ["to", "seq", "since"],
            "properties": {"to": uuid, "seq": {"type": "integer"}, "since": {"type": "string", "format": "date-time"},
                           "document": {"type": "string"}}},
        "LotPage": {"type": "object", "required": ["lot", "events"],
            "properties": {"lot": {"$ref": "#/components/schemas/Lot"}, "events": {"$ref": "#/components/schemas/LoggedEventList"}},
            "additionalProperties": false},
        "ContainerPage": {"type": "object", "required": ["container", "events"],
            "properties": {"container": {"$ref": "#/components/schemas/Container"}, "events": {"$ref": "#/components/schemas/LoggedEventList"}},
            "additionalProperties": false},
        "TransitList": {"type": "object", "required": ["in_transit"],
            "properties": {"in_transit": {"type": "array", "items": {"type": "object", "required": ["subject", "transit", "from"],
                "properties": {"subject": {"type": "object"}, "transit": {"$ref": "#/components/schemas/Transit"}, "from": uuid}}}},
            "additionalProperties": false}
    });
    let components = json!({
        "Problem": {"type": "object", "required": ["type", "title", "status", "detail"],
            "properties": {"type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
                           "detail": {"type": "string"}}, "additionalProperties": true},
        "Health": {"type": "object", "required": ["status", "backend", "log_size", "head"],
            "properties": {"status": {"const": "ok"}, "backend": {"enum": ["sqlite", "postgres"]},
                           "log_size": {"type": "integer"}, "head": hex}},
        "Event": {"type": "object", "required": ["id", "kind", "actor", "occurred_at", "data"],
            "properties": {"id": uuid, "kind": {"type": "string"}, "actor": uuid, "occurred_at": {"type": "string", "format": "date-time"},
                           "city": {"type": "string"}, "product": uuid, "lot": uuid, "container": uuid, "prev": hex,
                           "data": {"type": "object"}},
            "additionalProperties": false},
        "SignedEvent": {"type": "object", "required": ["event", "sig"],
            "properties": {"event": {"$ref": "#/components/schemas/Event"}, "sig": {"type": "string"}}, "additionalProperties": false},
        "SignedEventList": {"type": "array", "minItems": 1, "maxItems": 10000, "items": {"$ref": "#/components/schemas/SignedEvent"}},
        "Receipt": {"type": "object", "required": ["seq", "leaf_hash", "checkpoint"],
            "properties": {"seq": {"type": "integer"}, "leaf_hash": hex, "checkpoint": {"type": "string"}}},
        "BatchAnswer": {"type": "array", "items": {"oneOf": [{"$ref": "#/components/schemas/Receipt"}, {"$ref": "#/components/schemas/Problem"}]}},
        "Product": {"type": "object", "required": ["id", "state", "unu_key", "weight_g", "uri", "head"],
            "properties": {"id": uuid, "state": {"enum": ["manufactured", "in_use", "collected", "reuse_ready", "recycled", "disposed", "exported", "voided"]},
                           "custodian": uuid, "gtin": {"type": "string"}, "serial": {"type": "string"}, "unu_key": {"type": "string"},
                           "weight_g": {"type": "integer"}, "uri": {"type": "string"},
                           "head": {"type": "object", "required": ["seq", "leaf_hash"], "properties": {"seq": {"type": "integer"}, "leaf_hash": hex}}},
            "additionalProperties": true},
        "ProductPage": {"type": "object", "required": ["products", "next"],
            "properties": {"products": {"type": "array", "items": {"$ref": "#/components/schemas/Product"}},
                           "next": {"oneOf": [uuid, {"type": "null"}]}}, "additionalProperties": false},
        "LoggedEvent": {"type": "object", "required": ["seq", "leaf_hash", "event", "sig"],
            "properties": {"seq": {"type": "integer"}, "leaf_hash": hex, "recorded_at": {"type": "string"},
                           "event": {"$ref": "#/components/schemas/Event"}, "sig": {"type": "string"}}},
        "LoggedEventList": {"type": "array", "items": {"$ref": "#/components/schemas/LoggedEvent"}},
        "Passport": {"type": "object", "required": ["product", "events"],
            "properties": {"product": {"$ref": "#/components/schemas/Product"}, "events": {"$ref": "#/components/schemas/LoggedEventList"},
                           "brand_owner": {"type": "object", "required": ["verified"], "properties": {"verified": {"type": "boolean"},
                               "gs1_company_prefix": {"type": "string"}, "owner": uuid}, "additionalProperties": false}}},
        "EntryReceipt": {"type": "object",
            "required": ["seq", "kind", "subject", "occurred_at", "recorded_at", "city", "signer", "facts", "checkpoint_size", "proof"],
            "properties": {"seq": {"type": "integer"}, "kind": {"type": "string"},
                           "subject": {"oneOf": [{"type": "null"}, {"type": "object", "required": ["type", "id", "short_id"],
                               "properties": {"type": {"enum": ["product", "lot", "container", "certificate"]}, "id": uuid,
                                              "short_id": {"type": "string"}}, "additionalProperties": false}]},
                           "occurred_at": {"type": "string"}, "recorded_at": {"type": "string"},
                           "city": {"oneOf": [{"type": "string"}, {"type": "null"}]},
                           "signer": {"type": "object", "required": ["id"],
                               "properties": {"id": uuid, "org": {"type": "string"}, "name": {"type": "string"}}, "additionalProperties": false},
                           "facts": {"type": "object", "properties": {"mass_g": {"type": "integer"}, "weight_g": {"type": "integer"},
                               "units": {"type": "integer"}, "unu_key": {"type": "string"}, "eu6": {"type": "string"},
                               "channel": {"type": "string"}, "aggregator": {"type": "string"}}, "additionalProperties": false},
                           "checkpoint_size": {"type": "integer"},
                           "proof": {"type": "string", "pattern": "^EWLP1:[0-9A-Z $%*+./:-]*$"}},
            "additionalProperties": false},
        "Actor": {"type": "object", "required": ["id", "org", "name", "roles", "public_key", "revoked", "key_history"],
            "properties": {"id": uuid, "org": {"type": "string"}, "name": {"type": "string"},
                           "roles": {"type": "array", "items": {"enum": ["admin", "manufacturer", "retailer", "repairer", "collector", "recycler", "regulator"]}},
                           "public_key": {"type": "string"}, "city": {"type": "string"}, "revoked": {"type": "boolean"},
                           "gs1_company_prefixes": {"type": "array", "items": {"type": "string"}},
                           "key_history": {"type": "array", "items": {"type": "object", "required": ["from_seq", "public_key"],
                               "properties": {"from_seq": {"type": "integer"}, "public_key": {"type": "string"}}}}}},
        "ActorList": {"type": "array", "items": {"$ref": "#/components/schemas/Actor"}},
        "City": {"type": "object", "required": ["locode", "name", "country", "population", "population_year"],
            "properties": {"locode": {"type": "string", "pattern": "^[A-Z]{2}[A-Z2-9]{3}$"}, "name": {"type": "string"},
                           "country": {"type": "string"}, "population": {"type": "integer"}, "population_year": {"type": "integer"}}},
        "CityList": {"type": "array", "items": {"$ref": "#/components/schemas/City"}},
        "CityStats": {"type": "object", "required": ["city", "year", "definitions", "total", "by_eu6", "by_unu_key"],
            "properties": {"city": {"type": "string"}, "year": {"type": "integer"}, "definitions": {"type": "object"},
                           "total": kpis, "by_eu6": {"type": "object", "additionalProperties": kpis},
                           "by_unu_key": {"type": "object", "additionalProperties": kpis}}},
        "StatsYears": {"type": "object", "required": ["cities"], "additionalProperties": false,
            "properties": {"cities": {"type": "array", "items": {"type": "object", "required": ["locode", "years"], "additionalProperties": false,
                "properties": {"locode": {"type": "string"}, "years": {"type": "array", "items": {"type": "integer"}}}}}}},
        "StatsAll": {"type": "object", "required": ["year", "cities"],
            "properties": {"year": {"type": "integer"}, "cities": {"type": "array", "items": {"$ref": "#/components/schemas/CityStats"}}}},
        "Entry": {"type": "object", "required": ["event", "prev", "recorded_at", "seq", "sig", "v"]},
        "InclusionProof": {"type": "object", "required": ["seq", "size", "leaf_hash", "root", "path"],
            "properties": {"seq": {"type": "integer"}, "size": {"type": "integer"}, "leaf_hash": hex, "root": hex,
                           "path": {"type": "array", "items": hex}}},
        "ConsistencyProof": {"type": "object", "required": ["from", "to", "path"],
            "properties": {"from": {"type": "integer"}, "to": {"type": "integer"}, "path": {"type": "array", "items": hex}}},
        "ProofBundle": {"type": "object", "required": ["entry", "inclusion", "checkpoint"]},
        "CosignatureAnswer": {"type": "object", "required": ["accepted"], "properties": {"accepted": {"type": "array", "items": {"type": "string"}}}},
        "JsonLdContext": {"type": "object", "required": ["@context"]},
        "EpcisDocument": {"type": "object", "required": ["@context", "type", "schemaVersion", "creationDate", "epcisBody"],
            "description": "An EPCIS 2.0 EPCISDocument (the official JSON Schema: reference/epcis/EPCIS-JSON-Schema.json)."},
        "EpcisQueryDocument": {"type": "object", "required": ["@context", "type", "epcisBody"],
            "description": "An EPCIS 2.0 EPCISQueryDocument (the official JSON Schema: reference/epcis/EPCIS-JSON-Schema.json)."},
        "CaptureAnswer": {"type": "object", "required": ["captured", "receipts"],
            "properties": {"captured": {"type": "integer"}, "receipts": {"type": "array", "items": {"$ref": "#/components/schemas/Receipt"}}}},
    });
    let mut schemas = match components {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    for more in [subjects, parameter_schemas()] {
        if let Value::Object(members) = more {
            schemas.extend(members);
        }
    }
    Value::Object(schemas)
}

/// The schemas of parameters: exactly what the handlers accept, so that a generated request
/// outside them must be refused (4xx) and one inside them must not fail (never a 5xx).
fn parameter_schemas() -> Value {
    json!({
        "Uuid": {"type": "string", "format": "uuid"},
        "UuidOrAnyone": {"anyOf": [{"type": "string", "format": "uuid"}, {"type": "string", "maxLength": 0}]},
        "Locode": {"type": "string", "pattern": "^[A-Z]{2}[A-Z2-9]{3}$"},
        "LocodeOrCsv": {"type": "string", "pattern": "^[A-Z]{2}[A-Z2-9]{3}(\\.csv)?$"},
        "ChartFile": {"type": "string", "pattern": "^(flows|rates|materials|lifespans)(\\.csv)?$"},
        "Year": {"type": "integer", "minimum": 1950, "maximum": 2200},
        "Gtin": {"type": "string", "pattern": "^([0-9]{8}|[0-9]{12,14})$"},
        "Sscc": {"type": "string", "pattern": "^[0-9]{18}$"},
        "Serial": {"type": "string", "pattern": "^[A-Za-z0-9!\"%&'()*+,./:;<=>?_-]{1,20}$"},
        "PublicKey": {"type": "string", "pattern": "^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$"},
        "AssetName": {"enum": ["ledger.css", "ledger.js", "forms.js", "station.js", "passport.js"]},
        "EpcisEventId": {"type": "string",
            "pattern": "^(urn:uuid:)?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"},
        "Epc": {"type": "string", "minLength": 1},
        "DateTime": {"type": "string", "format": "date-time"},
        "PerPage": {"type": "integer", "minimum": 1, "maximum": 1000},
        "PageToken": {"type": "integer", "minimum": 0, "maximum": i64::MAX, "description": "Opaque: copy it from the Link header."},
        "PageLimit": {"type": "integer", "minimum": 1, "maximum": 10000},
        "Seq": {"type": "integer", "minimum": 0, "maximum": i64::MAX},
        "TreeSize": {"type": "integer", "minimum": 0, "maximum": u64::MAX},
    })
}

fn schema_ref(name: &str) -> Value {
    match name {
        "" => json!({}),
        "integer" | "boolean" | "string" => json!({"type": name}),
        component => json!({"$ref": format!("#/components/schemas/{component}")}),
    }
}

/// The declared parameter of an operation's `{name}` path segment.
fn path_param<'a>(operation: &'a Operation, name: &str) -> Option<&'a Param> {
    operation
        .params
        .iter()
        .find(|p| p.location == In::Path && p.name == name)
}

/// The whole document.
pub fn document() -> Value {
    let mut paths = Map::new();
    for operation in OPERATIONS {
        let path_names: Vec<&str> = operation
            .path
            .split('/')
            .filter_map(|segment| segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .collect();
        // Path parameters in the path's order (a string when the table forgot one: the test
        // in tests/it/openapi.rs refuses that), then the query parameters.
        let mut parameters: Vec<Value> = path_names
            .iter()
            .map(|name| match path_param(operation, name) {
                Some(p) => json!({"name": name, "in": "path", "required": true,
                                  "schema": schema_ref(p.schema), "description": p.description}),
                None => json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}),
            })
            .collect();
        parameters.extend(operation.params.iter().filter(|p| p.location == In::Query).map(|p| {
            json!({"name": p.name, "in": "query", "required": p.required, "schema": schema_ref(p.schema),
                   "description": p.description})
        }));
        let mut responses = Map::new();
        let mut declare = |(status, media, schema, description): &Response| {
            let entry = responses
                .entry(status.to_string())
                .or_insert_with(|| json!({"description": description, "content": {}}));
            entry["content"][*media] = json!({"schema": schema_ref(schema)});
        };
        operation.responses.iter().for_each(&mut declare);
        if !path_names.is_empty() {
            // An empty path segment matches no route: the router's own 404 problem.
            declare(&NOT_FOUND);
        }
        let mut op = json!({"summary": operation.summary, "operationId": format!("{} {}", operation.method, operation.path),
                            "parameters": parameters, "responses": responses});
        if let Some((media, schema)) = operation.body {
            op["requestBody"] =
                json!({"required": true, "content": {media: {"schema": schema_ref(schema)}}});
        }
        let item = paths.entry(operation.path).or_insert_with(|| json!({}));
        item[operation.method] = op;
    }
    json!({
        "openapi": "3.1.0",
        "info": {"title": "ewaste-ledger", "version": env!("CARGO_PKG_VERSION"),
                 "description": "Signed, hash-chained lifecycle events of electronic products (docs/api.md)."},
        "paths": paths,
        "components": {"schemas": schemas()},
    })
}

/// `GET /openapi.json`.
pub async fn openapi() -> HttpResponse {
    HttpResponse::Ok().json(document())
}
