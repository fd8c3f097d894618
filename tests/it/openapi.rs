//! `GET /openapi.json` on both backends: every route registered in `src/http/mod.rs` is in it
//! with its method, every `$ref` resolves, and real answers validate against the schemas it
//! gives for them.

use crate::db::{db_test, TestDb};
use crate::support::{setup, Env};
use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use ewaste_ledger::domain::kinds::Role;
use serde_json::{json, Value};

/// `(method, path)` of every `.route(` in the routing function.
fn registered_routes() -> Vec<(String, String)> {
    let source = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/http/mod.rs"))
        .expect("mod.rs");
    source
        .split(".route(")
        .skip(1)
        .map(|call| {
            let path = call.split('"').nth(1).expect("a path literal").to_string();
            let method = call
                .split("web::")
                .nth(1)
                .and_then(|m| m.split('(').next())
                .expect("a method")
                .to_string();
            (method, path)
        })
        .collect()
}

/// Validates `value` against the document's component `name`.
fn check(document: &Value, name: &str, value: &Value) {
    let schema = json!({"$ref": format!("#/components/schemas/{name}"), "components": document["components"]});
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&schema)
        .expect("the schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{name}: {errors:?} in {value}");
}

fn refs(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get("$ref") {
                found.push(target.clone());
            }
            map.values().for_each(|v| refs(v, found));
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, found)),
        _ => {}
    }
}

async fn json_of(env: &Env, path: &str) -> Value {
    let (status, body) = env.get(path).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    body
}

db_test! {
    async fn the_openapi_document_covers_every_route_and_describes_real_answers(db: TestDb) {
        let env = setup(db).await;
        let document = json_of(&env, "/openapi.json").await;
        assert_eq!(document["openapi"], "3.1.0");

        let routes = registered_routes();
        assert!(routes.len() >= 35, "{routes:?}");
        for (method, path) in &routes {
            assert!(document["paths"][path][method].is_object(), "{method} {path} is missing from /openapi.json");
        }
        let mut found = Vec::new();
        refs(&document, &mut found);
        for target in &found {
            let name = target.strip_prefix("#/components/schemas/").expect("a component ref");
            assert!(document["components"]["schemas"][name].is_object(), "{target} does not resolve");
        }

        // Real answers validate against what the document says of them.
        let id = env.in_use("OAS-1").await;
        let receipt = env.ok(&env.actor(Role::Collector), ewaste_ledger::domain::kinds::Kind::Collected, Some(id), json!({})).await;
        check(&document, "Receipt", &receipt);
        check(&document, "Health", &json_of(&env, "/healthz").await);
        check(&document, "Product", &json_of(&env, &format!("/v1/products/{id}")).await);
        check(&document, "LoggedEventList", &json_of(&env, &format!("/v1/products/{id}/events")).await);
        check(&document, "ActorList", &json_of(&env, "/v1/actors").await);
        check(&document, "CityList", &json_of(&env, "/v1/cities").await);
        check(&document, "CityStats", &json_of(&env, "/v1/stats/DEBER").await);
        check(&document, "StatsAll", &json_of(&env, "/v1/stats").await);
        check(&document, "StatsYears", &json_of(&env, "/v1/stats/years").await);
        check(&document, "ProductPage", &json_of(&env, "/v1/products?limit=1").await);
        check(&document, "ProductPage", &json_of(&env, "/v1/products").await);
        // A lot, a container and a hand-over in transit, as served.
        let collector = env.actor(Role::Collector);
        let lot = uuid::Uuid::new_v4();
        let intake = json!({"id": uuid::Uuid::new_v4(), "kind": "lot_collected", "actor": collector.id,
            "occurred_at": crate::support::now_minus_minute(), "city": "DEBER", "lot": lot,
            "data": {"eu6": "4", "mass_g": 30_000, "channel": "informal", "aggregator": "AGG-1"}});
        let (status, body) = env.post(&crate::support::sign_value(intake, &collector.key)).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        check(&document, "Lot", &json_of(&env, &format!("/v1/lots/{lot}")).await);
        check(&document, "LotList", &json_of(&env, "/v1/lots").await);
        check(&document, "LoggedEventList", &json_of(&env, &format!("/v1/lots/{lot}/events")).await);
        let cage = uuid::Uuid::new_v4();
        let packed = json!({"id": uuid::Uuid::new_v4(), "kind": "packed", "actor": collector.id,
            "occurred_at": crate::support::now_minus_minute(), "city": "DEBER", "container": cage,
            "data": {"children": [{"lot": lot, "prev": body["leaf_hash"]}]}});
        let (status, body) = env.post(&crate::support::sign_value(packed, &collector.key)).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let handed = json!({"id": uuid::Uuid::new_v4(), "kind": "handed_over", "actor": collector.id,
            "occurred_at": crate::support::now_minus_minute(), "city": "DEBER", "container": cage, "prev": body["leaf_hash"],
            "data": {"to": env.actor(Role::Recycler).id, "document": "CMR-9"}});
        let (status, body) = env.post(&crate::support::sign_value(handed, &collector.key)).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        check(&document, "Container", &json_of(&env, &format!("/v1/containers/{cage}")).await);
        check(&document, "ContainerList", &json_of(&env, "/v1/containers").await);
        check(&document, "TransitList", &json_of(&env, "/v1/transit?older_than=0m").await);
        // The label URIs of a lot and a container, asked for JSON.
        for (path, schema) in [(format!("/l/{lot}"), "LotPage"), (format!("/c/{cage}"), "ContainerPage")] {
            let request = TestRequest::get().uri(&path).insert_header(("accept", "application/json"));
            check(&document, schema, &env.call(request).await.1);
        }
        let seq = receipt["seq"].as_i64().expect("seq");
        check(&document, "InclusionProof", &json_of(&env, &format!("/v1/log/proof/inclusion?seq={seq}")).await);
        check(&document, "ConsistencyProof", &json_of(&env, "/v1/log/proof/consistency?from=1").await);
        check(&document, "Entry", &json_of(&env, &format!("/v1/log/entries/{seq}")).await);
        let request = TestRequest::get().uri("/01/09506000134352/21/OAS-1").insert_header(("accept", "application/json"));
        check(&document, "Passport", &env.call(request).await.1);
        for path in [format!("/r/{seq}"), "/r/0".to_string()] {
            let request = TestRequest::get().uri(&path).insert_header(("accept", "application/json"));
            check(&document, "EntryReceipt", &env.call(request).await.1);
        }
        let (status, problem) = env.get("/v1/products/not-a-uuid").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        check(&document, "Problem", &problem);
    }
}

/// Every parameter of every operation, by `"in"`, with its name and schema.
fn parameters(document: &Value) -> Vec<(String, String, String, Value)> {
    let mut found = Vec::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("an item") {
            for parameter in operation["parameters"].as_array().expect("parameters") {
                found.push((
                    format!("{method} {path}"),
                    parameter["in"].as_str().expect("in").to_string(),
                    parameter["name"].as_str().expect("name").to_string(),
                    parameter["schema"].clone(),
                ));
            }
        }
    }
    found
}

db_test! {
    /// What `.ci/schemathesis` generates requests from: every `{name}` of a path is a required
    /// path parameter with a schema of its own (not any string), and an empty path segment's
    /// 404 is declared.
    async fn every_path_parameter_has_a_schema_for_generated_requests(db: TestDb) {
        let env = setup(db).await;
        let document = json_of(&env, "/openapi.json").await;
        let parameters = parameters(&document);
        for (path, item) in document["paths"].as_object().expect("paths") {
            for (method, operation) in item.as_object().expect("an item") {
                let operation_name = format!("{method} {path}");
                for name in path.split('/').filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}'))) {
                    let declared: Vec<_> = parameters
                        .iter()
                        .filter(|(op, location, n, _)| *op == operation_name && location == "path" && n == name)
                        .collect();
                    assert_eq!(declared.len(), 1, "{operation_name}: {{{name}}} is declared {} times", declared.len());
                    assert_ne!(declared[0].3, json!({"type": "string"}), "{operation_name}: {{{name}}} has no schema of its own");
                    let not_found = &operation["responses"]["404"]["content"]["application/problem+json"];
                    assert!(not_found.is_object(), "{operation_name}: the router's 404 is not declared");
                }
            }
        }
        // Query parameters the handlers cannot do without are required.
        for (path, name) in [("/scan/key.svg", "public_key"), ("/v1/log/proof/inclusion", "seq"), ("/v1/log/proof/consistency", "from")] {
            let parameter = document["paths"][path]["get"]["parameters"].as_array().expect("parameters").iter()
                .find(|p| p["name"] == name && p["in"] == "query");
            let parameter = parameter.unwrap_or_else(|| panic!("get {path}: `{name}` is not declared"));
            assert_eq!(parameter["required"], true, "get {path}: `{name}` is required");
        }
    }

    /// Requests `.ci/schemathesis` found answered without a response (a handler's panic): each
    /// is now refused with a problem naming the parameter (docs/api-testing.md).
    async fn requests_schemathesis_found_are_refused_with_problems(db: TestDb) {
        let env = setup(db).await;
        let size = env.log_size().await;
        // `nextPageToken` at the top of its schema's range overflowed the scan's end.
        for token in [i64::MAX, i64::MAX - 50_000, size + 1] {
            let (status, problem) = env.get(&format!("/epcis/events?nextPageToken={token}")).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{token}: {problem}");
            assert_eq!(problem["type"], "epcisException:QueryParameterException");
            assert_eq!(problem["parameter"], "nextPageToken");
            assert!(problem["detail"].as_str().expect("detail").contains("not a token this server issued"), "{problem}");
        }
        // A token at the log's end is an empty last page.
        let (status, document) = env.get(&format!("/epcis/events?nextPageToken={size}")).await;
        assert_eq!(status, StatusCode::OK, "{document}");
        assert_eq!(document["epcisBody"]["queryResults"]["resultsBody"]["eventList"], json!([]));
    }
}
