//! Filtered, paged lists (SPEC §1.7): newest first by `created_time`, ties by id (codes follow
//! ids), with an opaque keyset cursor so page 1,000 costs what page 1 costs.

use crate::sql::{Query, Value};
use crate::{Db, Result};
use serde::Deserialize;

/// A value bound to a filter placeholder.
#[derive(Debug, Clone)]
pub(crate) enum Bind {
    Int(i64),
    Text(String),
}

/// WHERE clauses with their bound values, numbered as they are added. Private to the store:
/// the faces pass typed filters and look-ups (for example [`crate::shipments::ShipmentLookup`]).
#[derive(Debug, Default, Clone)]
pub(crate) struct Filter {
    clauses: Vec<String>,
    binds: Vec<Bind>,
}

impl Filter {
    pub fn new() -> Filter {
        Filter::default()
    }

    /// Adds a clause where `?` stands for the value, e.g. `eq("s.status = ?", …)`.
    pub fn push(&mut self, clause: &str, value: Bind) -> &mut Filter {
        self.binds.push(value);
        let placeholder = format!("${}", self.binds.len());
        self.clauses.push(clause.replace('?', &placeholder));
        self
    }

    pub fn int(&mut self, clause: &str, value: i64) -> &mut Filter {
        self.push(clause, Bind::Int(value))
    }

    pub fn text(&mut self, clause: &str, value: impl Into<String>) -> &mut Filter {
        self.push(clause, Bind::Text(value.into()))
    }

    pub fn opt_int(&mut self, clause: &str, value: Option<i64>) -> &mut Filter {
        if let Some(v) = value {
            self.int(clause, v);
        }
        self
    }

    pub fn opt_text(&mut self, clause: &str, value: Option<&str>) -> &mut Filter {
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            self.text(clause, v);
        }
        self
    }

    /// Adds a clause where `?1`, `?2`, … stand for `values` in order, so one value may be
    /// named twice (a keyset condition: `s.id >= ?1 AND (s.id > ?1 OR l.position > ?2)`).
    pub fn numbered(&mut self, clause: &str, values: Vec<Bind>) -> &mut Filter {
        let first = self.binds.len() + 1;
        let mut clause = clause.to_string();
        // Highest first, so `?1` never eats the start of `?12`.
        for i in (1..=values.len()).rev() {
            clause = clause.replace(&format!("?{i}"), &format!("${}", first + i - 1));
        }
        self.binds.extend(values);
        self.clauses.push(clause);
        self
    }

    /// `column IN ($a, $b, …)`, one placeholder per value; an empty list matches nothing.
    pub fn int_in(&mut self, column: &str, values: &[i64]) -> &mut Filter {
        if values.is_empty() {
            self.clauses.push("1 = 0".to_string());
            return self;
        }
        let mut placeholders = Vec::with_capacity(values.len());
        for v in values {
            self.binds.push(Bind::Int(*v));
            placeholders.push(format!("${}", self.binds.len()));
        }
        self.clauses
            .push(format!("{column} IN ({})", placeholders.join(", ")));
        self
    }

    /// `a AND b …` (`TRUE` when there is no clause), for callers that write their own WHERE.
    pub fn conditions(&self) -> String {
        if self.clauses.is_empty() {
            "1 = 1".to_string()
        } else {
            self.clauses.join(" AND ")
        }
    }

    /// `WHERE a AND b …` (or nothing).
    pub fn where_sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.clauses.join(" AND "))
        }
    }

    pub fn bind_all<'q>(&self, mut query: Query<'q>) -> Query<'q> {
        for b in &self.binds {
            query = query.bind_value(match b {
                Bind::Int(v) => Value::Int(*v),
                Bind::Text(v) => Value::Text(v.clone()),
            });
        }
        query
    }
}

/// The time filters every list takes (SPEC §1.7): inclusive, Unix seconds.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct TimeRange {
    pub created_time_from: Option<i64>,
    pub created_time_to: Option<i64>,
    pub updated_time_from: Option<i64>,
    pub updated_time_to: Option<i64>,
}

impl TimeRange {
    pub fn is_empty(&self) -> bool {
        self.created_time_from.is_none()
            && self.created_time_to.is_none()
            && self.updated_time_from.is_none()
            && self.updated_time_to.is_none()
    }
}

impl Filter {
    /// Adds the four time filters on a table alias.
    pub fn time_range(&mut self, alias: &str, t: &TimeRange) -> &mut Filter {
        self.opt_int(&format!("{alias}.created_time >= ?"), t.created_time_from);
        self.opt_int(&format!("{alias}.created_time <= ?"), t.created_time_to);
        self.opt_int(&format!("{alias}.updated_time >= ?"), t.updated_time_from);
        self.opt_int(&format!("{alias}.updated_time <= ?"), t.updated_time_to)
    }
}

impl Db {
    /// `SELECT COUNT(*) FROM <from> WHERE …` — the `total` of a list.
    pub(crate) async fn count(&self, from: &str, filter: &Filter) -> Result<i64> {
        let sql = format!("SELECT COUNT(*) FROM {from}{}", filter.where_sql());
        filter
            .bind_all(crate::sql::query(&sql))
            .fetch_one(self.reader())
            .await?
            .try_get(0)
    }
}

/// Which page: by number, or after a cursor.
#[derive(Debug, Clone)]
pub struct PageRequest {
    pub page: i64,
    pub page_size: i64,
    pub after: Option<Cursor>,
}

/// The position after the last row of a page: its `created_time` and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub created_time: i64,
    pub id: i64,
}

impl Cursor {
    /// Opaque to clients: `c<created_time>.<id>` in URL-safe text.
    pub fn encode(&self) -> String {
        format!("c{}.{}", self.created_time, self.id)
    }

    pub fn decode(text: &str) -> Option<Cursor> {
        let (t, id) = text.strip_prefix('c')?.split_once('.')?;
        Some(Cursor {
            created_time: t.parse().ok()?,
            id: id.parse().ok()?,
        })
    }
}

/// A page of rows plus the total count and the cursor for the next page.
#[derive(Debug)]
pub struct PageOf<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub next: Option<Cursor>,
}

impl PageRequest {
    /// Adds the keyset condition and returns `ORDER BY … LIMIT … OFFSET …` for a table alias.
    /// Fetches one row more than the page to know whether a next page exists.
    pub(crate) fn apply(&self, filter: &mut Filter, alias: &str) -> String {
        let mut offset = (self.page - 1).max(0) * self.page_size;
        if let Some(c) = self.after {
            filter.int(&format!("({alias}.created_time < ?"), c.created_time);
            // The second half of the OR reuses the created_time placeholder by number.
            let n = filter.binds.len();
            filter.binds.push(Bind::Int(c.id));
            let last = filter.clauses.pop().unwrap_or_default();
            filter.clauses.push(format!(
                "{last} OR ({alias}.created_time = ${n} AND {alias}.id < ${}))",
                n + 1
            ));
            offset = 0;
        }
        format!(
            " ORDER BY {alias}.created_time DESC, {alias}.id DESC LIMIT {} OFFSET {offset}",
            self.page_size + 1
        )
    }

    /// Trims the extra row and computes the next cursor from the last row kept.
    pub fn finish<T>(&self, mut rows: Vec<T>, total: i64, key: impl Fn(&T) -> Cursor) -> PageOf<T> {
        let more = rows.len() as i64 > self.page_size;
        rows.truncate(self.page_size as usize);
        let next = if more { rows.last().map(&key) } else { None };
        PageOf {
            items: rows,
            total,
            next,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips() {
        let c = Cursor {
            created_time: 1_800_000_000,
            id: 42,
        };
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
        assert_eq!(Cursor::decode("garbage"), None);
        assert_eq!(Cursor::decode("c1.x"), None);
    }

    #[test]
    fn filters_number_their_placeholders() {
        let mut f = Filter::new();
        f.int("p.business_id = ?", 7)
            .opt_text("p.sku = ?", Some("A"))
            .opt_text("p.name = ?", None);
        let page = PageRequest {
            page: 1,
            page_size: 50,
            after: Some(Cursor {
                created_time: 5,
                id: 9,
            }),
        };
        let tail = page.apply(&mut f, "p");
        assert_eq!(
            f.where_sql(),
            " WHERE p.business_id = $1 AND p.sku = $2 AND (p.created_time < $3 OR (p.created_time = $3 AND p.id < $4))"
        );
        assert_eq!(
            tail,
            " ORDER BY p.created_time DESC, p.id DESC LIMIT 51 OFFSET 0"
        );
    }

    #[test]
    fn numbered_values_may_repeat() {
        let mut f = Filter::new();
        f.int("s.business_id = ?", 7).numbered(
            "s.id >= ?1 AND (s.id > ?1 OR l.position > ?2)",
            vec![Bind::Int(10), Bind::Int(2)],
        );
        assert_eq!(
            f.where_sql(),
            " WHERE s.business_id = $1 AND s.id >= $2 AND (s.id > $2 OR l.position > $3)"
        );
    }

    #[test]
    fn int_in_numbers_one_placeholder_per_value() {
        let mut f = Filter::new();
        f.int("s.business_id = ?", 7)
            .int_in("s.status", &[490, 500])
            .text("s.platform = ?", "shopee");
        assert_eq!(
            f.where_sql(),
            " WHERE s.business_id = $1 AND s.status IN ($2, $3) AND s.platform = $4"
        );
        let mut empty = Filter::new();
        empty.int_in("s.status", &[]);
        assert_eq!(empty.conditions(), "1 = 0");
    }
}
