//! The EPCIS 2.0 query parameters the ledger answers (a subset of the SimpleEventQuery of the
//! REST binding), parsed strictly and matched against mapped EPCIS events. Lists take `|` or
//! `,` between values.

use chrono::{DateTime, Utc};
use serde_json::Value;

/// Largest page.
pub const MAX_PER_PAGE: usize = 1_000;
/// Page size when `perPage` is absent.
pub const DEFAULT_PER_PAGE: usize = 100;

/// A refused parameter: its name and why (the binding's `QueryParameterException`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("query parameter `{parameter}`: {reason}")]
pub struct QueryParameterError {
    pub parameter: String,
    pub reason: String,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct EventQuery {
    pub event_types: Vec<String>,
    pub ge_event_time: Option<DateTime<Utc>>,
    pub lt_event_time: Option<DateTime<Utc>>,
    pub biz_steps: Vec<String>,
    pub dispositions: Vec<String>,
    /// `MATCH_epc`: the event's `epcList` or an aggregation's `childEPCs`.
    pub epcs: Vec<String>,
    /// `MATCH_parentID`: an aggregation's parent (a container).
    pub parents: Vec<String>,
    /// `MATCH_anyEPC`: any EPC the event names (also a parent, a transformation's inputs and
    /// outputs).
    pub any_epcs: Vec<String>,
    /// `MATCH_epcClass`: a class in `quantityList` or `childQuantityList` (lots, §8.2).
    pub epc_classes: Vec<String>,
    /// `MATCH_anyEPCClass`: also a transformation's input and output quantities.
    pub any_epc_classes: Vec<String>,
    pub biz_locations: Vec<String>,
    pub per_page: usize,
    /// Where the previous page stopped: the next entry to read.
    pub next_page: Option<i64>,
}

fn list(value: &str) -> Vec<String> {
    value
        .split(['|', ','])
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(String::from)
        .collect()
}

fn refused(parameter: &str, reason: impl Into<String>) -> QueryParameterError {
    QueryParameterError {
        parameter: parameter.into(),
        reason: reason.into(),
    }
}

fn time(parameter: &str, value: &str) -> Result<DateTime<Utc>, QueryParameterError> {
    let time = DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| refused(parameter, format!("`{value}` is not an RFC 3339 date-time")))?;
    if super::event::is_leap_second(&time) {
        return Err(refused(
            parameter,
            format!("`{value}` is a leap second (second 60); seconds are 00 to 59"),
        ));
    }
    Ok(time)
}

impl EventQuery {
    /// Parses the query string's pairs; an unknown parameter is refused, not ignored.
    pub fn parse(pairs: &[(String, String)]) -> Result<EventQuery, QueryParameterError> {
        let mut query = EventQuery {
            per_page: DEFAULT_PER_PAGE,
            ..EventQuery::default()
        };
        for (name, value) in pairs {
            match name.as_str() {
                "eventType" => {
                    query.event_types = list(value);
                    if let Some(bad) = query.event_types.iter().find(|t| {
                        !matches!(
                            t.as_str(),
                            "ObjectEvent"
                                | "AggregationEvent"
                                | "TransactionEvent"
                                | "TransformationEvent"
                                | "AssociationEvent"
                        )
                    }) {
                        return Err(refused(name, format!("`{bad}` is not an EPCIS event type")));
                    }
                }
                "GE_eventTime" => query.ge_event_time = Some(time(name, value)?),
                "LT_eventTime" => query.lt_event_time = Some(time(name, value)?),
                "EQ_bizStep" => query.biz_steps = list(value),
                "EQ_disposition" => query.dispositions = list(value),
                "MATCH_epc" => query.epcs = list(value),
                "MATCH_anyEPC" => query.any_epcs = list(value),
                "MATCH_parentID" => query.parents = list(value),
                "MATCH_epcClass" => query.epc_classes = list(value),
                "MATCH_anyEPCClass" => query.any_epc_classes = list(value),
                "EQ_bizLocation" => query.biz_locations = list(value),
                "perPage" => {
                    query.per_page = value
                        .parse()
                        .ok()
                        .filter(|n| (1..=MAX_PER_PAGE).contains(n))
                        .ok_or_else(|| refused(name, format!("must be a whole number from 1 to {MAX_PER_PAGE}, not `{value}`")))?;
                }
                "nextPageToken" => {
                    query.next_page = Some(
                        value
                            .parse()
                            .ok()
                            .filter(|n: &i64| *n >= 0)
                            .ok_or_else(|| {
                                refused(
                                    name,
                                    format!("`{value}` is not a token this server issued"),
                                )
                            })?,
                    );
                }
                other => {
                    return Err(refused(
                        other,
                        "is not a query parameter this server supports (see docs/epcis.md)",
                    ))
                }
            }
        }
        Ok(query)
    }

    /// Whether the mapped EPCIS `event` satisfies every given parameter.
    pub fn matches(&self, event: &Value) -> bool {
        let text = |name: &str| event.get(name).and_then(Value::as_str).unwrap_or_default();
        let one_of =
            |wanted: &[String], value: &str| wanted.is_empty() || wanted.iter().any(|w| w == value);
        let epcs_in = |lists: &[&str]| -> Vec<String> {
            lists
                .iter()
                .filter_map(|list| event.get(*list).and_then(Value::as_array))
                .flatten()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect()
        };
        let classes_in = |lists: &[&str]| -> Vec<String> {
            lists
                .iter()
                .filter_map(|list| event.get(*list).and_then(Value::as_array))
                .flatten()
                .filter_map(|q| q.get("epcClass").and_then(Value::as_str))
                .map(String::from)
                .collect()
        };
        // MATCH_epc looks at the event's own EPCs (an aggregation's children); MATCH_anyEPC
        // also at its parent and a transformation's inputs and outputs.
        let own = epcs_in(&["epcList", "childEPCs"]);
        let mut any = epcs_in(&["epcList", "childEPCs", "inputEPCList", "outputEPCList"]);
        let parent: Vec<String> = event
            .get("parentID")
            .and_then(Value::as_str)
            .map(String::from)
            .into_iter()
            .collect();
        any.extend(parent.iter().cloned());
        let own_classes = classes_in(&["quantityList", "childQuantityList"]);
        let any_classes = classes_in(&[
            "quantityList",
            "childQuantityList",
            "inputQuantityList",
            "outputQuantityList",
        ]);
        let named = |wanted: &[String], epcs: &[String]| {
            wanted.is_empty() || wanted.iter().any(|w| epcs.contains(w))
        };
        let event_time = DateTime::parse_from_rfc3339(text("eventTime"))
            .ok()
            .map(|t| t.with_timezone(&Utc));
        one_of(&self.event_types, text("type"))
            && self
                .ge_event_time
                .is_none_or(|ge| event_time.is_some_and(|t| t >= ge))
            && self
                .lt_event_time
                .is_none_or(|lt| event_time.is_some_and(|t| t < lt))
            && one_of(&self.biz_steps, text("bizStep"))
            && one_of(&self.dispositions, text("disposition"))
            && named(&self.epcs, &own)
            && named(&self.any_epcs, &any)
            && named(&self.parents, &parent)
            && named(&self.epc_classes, &own_classes)
            && named(&self.any_epc_classes, &any_classes)
            && one_of(
                &self.biz_locations,
                event
                    .get("bizLocation")
                    .and_then(|l| l.get("id"))
                    .and_then(Value::as_str)
                    .unwrap_or_default(),
            )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(query: &[(&str, &str)]) -> Result<EventQuery, QueryParameterError> {
        EventQuery::parse(
            &query
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<Vec<_>>(),
        )
    }

    #[test]
    fn parameters_are_parsed_strictly() {
        let q = parse(&[
            ("EQ_bizStep", "shipping|collecting"),
            ("perPage", "50"),
            ("GE_eventTime", "2025-01-01T00:00:00Z"),
        ])
        .unwrap();
        assert_eq!(q.biz_steps, ["shipping", "collecting"]);
        assert_eq!(q.per_page, 50);
        for (name, value, reason) in [
            ("perPage", "0", "1 to 1000"),
            ("perPage", "x", "1 to 1000"),
            ("GE_eventTime", "yesterday", "RFC 3339"),
            ("LT_eventTime", "2025-06-30T23:59:60Z", "leap second"),
            ("eventType", "ObjectEvent|Thing", "`Thing`"),
            ("nextPageToken", "-3", "token"),
            ("EQ_colour", "red", "not a query parameter"),
        ] {
            let error = parse(&[(name, value)]).unwrap_err();
            assert_eq!(error.parameter, name);
            assert!(error.reason.contains(reason), "{error}");
        }
    }

    #[test]
    fn events_match_every_given_parameter() {
        let event = json!({"type": "ObjectEvent", "eventTime": "2025-06-01T10:00:00Z", "bizStep": "collecting",
            "epcList": ["https://l.example/01/09506000134352/21/A"], "bizLocation": {"id": "https://l.example/cities/DEBER"}});
        let matches = |pairs: &[(&str, &str)]| parse(pairs).unwrap().matches(&event);
        assert!(matches(&[]));
        assert!(matches(&[
            ("eventType", "ObjectEvent"),
            ("EQ_bizStep", "collecting|shipping")
        ]));
        assert!(!matches(&[("eventType", "TransformationEvent")]));
        assert!(matches(&[
            ("GE_eventTime", "2025-06-01T10:00:00Z"),
            ("LT_eventTime", "2025-06-01T10:00:01Z")
        ]));
        assert!(!matches(&[("LT_eventTime", "2025-06-01T10:00:00Z")]));
        assert!(matches(&[(
            "MATCH_epc",
            "https://l.example/01/09506000134352/21/A"
        )]));
        assert!(!matches(&[(
            "MATCH_anyEPC",
            "https://l.example/01/09506000134352/21/B"
        )]));
        assert!(
            !matches(&[("EQ_disposition", "in_transit")]),
            "an event without a disposition has none"
        );
        assert!(matches(&[(
            "EQ_bizLocation",
            "https://l.example/cities/DEBER"
        )]));
    }

    #[test]
    fn aggregations_match_by_parent_children_and_lot_classes() {
        let packing = json!({"type": "AggregationEvent", "eventTime": "2025-06-01T10:00:00Z",
            "parentID": "https://l.example/00/106141411234567897",
            "childEPCs": ["https://l.example/p/A"],
            "childQuantityList": [{"epcClass": "https://l.example/l/L", "quantity": 1.5, "uom": "KGM"}]});
        let matches = |pairs: &[(&str, &str)]| parse(pairs).unwrap().matches(&packing);
        assert!(matches(&[("MATCH_epc", "https://l.example/p/A")]));
        assert!(!matches(&[(
            "MATCH_epc",
            "https://l.example/00/106141411234567897"
        )]));
        assert!(matches(&[(
            "MATCH_parentID",
            "https://l.example/00/106141411234567897"
        )]));
        assert!(matches(&[(
            "MATCH_anyEPC",
            "https://l.example/00/106141411234567897"
        )]));
        assert!(!matches(&[("MATCH_parentID", "https://l.example/p/A")]));
        assert!(matches(&[("MATCH_epcClass", "https://l.example/l/L")]));
        assert!(matches(&[("MATCH_anyEPCClass", "https://l.example/l/L")]));
        assert!(!matches(&[("MATCH_epcClass", "https://l.example/l/M")]));
    }
}
