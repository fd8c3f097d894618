//! Queries for lots and containers (docs/lifecycle.md §8), and for every subject in transit.

use super::rows::{ProductRow, SubjectRow};
use super::schema::{products, subjects};
use super::{DbConnection, StorageError};
use crate::domain::kinds::SubjectKind;
use crate::domain::records::SubjectRecord;
use diesel::prelude::*;
use uuid::Uuid;

/// One lot or container.
pub fn subject(
    conn: &mut DbConnection,
    kind: SubjectKind,
    id: &Uuid,
) -> Result<Option<SubjectRecord>, StorageError> {
    subjects::table
        .find(id.to_string())
        .filter(subjects::kind.eq(kind.as_str()))
        .select(SubjectRow::as_select())
        .first(conn)
        .optional()?
        .map(SubjectRow::into_record)
        .transpose()
}

/// Every subject in transit (to `to`, when given): the partial indexes hold only those.
pub fn in_transit(
    conn: &mut DbConnection,
    to: Option<&Uuid>,
) -> Result<Vec<SubjectRecord>, StorageError> {
    let mut product_query = products::table
        .filter(products::transit_to.is_not_null())
        .select(ProductRow::as_select())
        .into_boxed();
    let mut subject_query = subjects::table
        .filter(subjects::transit_to.is_not_null())
        .select(SubjectRow::as_select())
        .into_boxed();
    if let Some(to) = to {
        product_query = product_query.filter(products::transit_to.eq(to.to_string()));
        subject_query = subject_query.filter(subjects::transit_to.eq(to.to_string()));
    }
    let mut found = Vec::new();
    for row in product_query.load(conn)? {
        found.push(SubjectRecord::Product(Box::new(row.into_record()?)));
    }
    for row in subject_query.load(conn)? {
        found.push(row.into_record()?);
    }
    Ok(found)
}

/// Every lot or every container, in id order (what the audit compares with its replay).
pub fn all_of_kind(
    conn: &mut DbConnection,
    kind: SubjectKind,
) -> Result<Vec<SubjectRecord>, StorageError> {
    subjects::table
        .filter(subjects::kind.eq(kind.as_str()))
        .order(subjects::id)
        .select(SubjectRow::as_select())
        .load(conn)?
        .into_iter()
        .map(SubjectRow::into_record)
        .collect()
}
