//! What a scanned label or typed reference names, for any subject (docs/lifecycle.md §5, §8):
//! a product's Digital Link or `/p/{uuid}`, a lot's `/l/{uuid}`, a container's `/00/{sscc}` or
//! `/c/{uuid}`, with or without the server's base; a bare UUID is taken as `default`.

use super::identifiers::{container_id_for_sscc, ProductRef};
use super::kinds::SubjectKind;
use super::records::SubjectRef;
use uuid::Uuid;

/// Parses a subject reference; `default` is the kind a bare UUID stands for.
pub fn parse_subject(text: &str, default: SubjectKind) -> Result<SubjectRef, String> {
    let trimmed = text.trim();
    // The path of a full URI: whatever follows the host.
    let path = match trimmed.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("", |i| &rest[i..]),
        None => trimmed,
    };
    let uuid = |kind: SubjectKind, id: &str| {
        Uuid::parse_str(id)
            .map(|id| SubjectRef { kind, id })
            .map_err(|_| format!("`{id}` in `{text}` is not a UUID"))
    };
    if let Some(id) = path.strip_prefix("/l/") {
        return uuid(SubjectKind::Lot, id);
    }
    if let Some(id) = path.strip_prefix("/c/") {
        return uuid(SubjectKind::Container, id);
    }
    if let Some(sscc) = path.strip_prefix("/00/") {
        return container_id_for_sscc(sscc).map(|id| SubjectRef {
            kind: SubjectKind::Container,
            id,
        });
    }
    if path.starts_with('/') || default == SubjectKind::Product {
        return ProductRef::parse(text)
            .map(|r| SubjectRef::product(r.product_id()))
            .map_err(|e| e.to_string());
    }
    uuid(default, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_label_names_its_subject() {
        let id = Uuid::from_u128(7);
        let lot = parse_subject(
            &format!("https://ledger.example/l/{id}"),
            SubjectKind::Product,
        );
        assert_eq!(
            lot,
            Ok(SubjectRef {
                kind: SubjectKind::Lot,
                id
            })
        );
        let cage = parse_subject(&format!("/c/{id}"), SubjectKind::Product);
        assert_eq!(
            cage,
            Ok(SubjectRef {
                kind: SubjectKind::Container,
                id
            })
        );
        let bare = parse_subject(&id.to_string(), SubjectKind::Container);
        assert_eq!(
            bare,
            Ok(SubjectRef {
                kind: SubjectKind::Container,
                id
            })
        );
        let sscc = parse_subject("http://x/00/106141411234567897", SubjectKind::Product);
        assert_eq!(sscc.map(|s| s.kind), Ok(SubjectKind::Container));
        assert!(parse_subject("/00/106141411234567898", SubjectKind::Product).is_err());
        let product = parse_subject(&format!("/p/{id}"), SubjectKind::Lot);
        assert_eq!(product, Ok(SubjectRef::product(id)));
    }
}
