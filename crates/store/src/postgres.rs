//! The PostgreSQL engine: one statement through sqlx, its rows read into [`Row`]s.

use crate::values::{Kind, Output, Row, Value};
use crate::{Result, StoreError};
use std::sync::Arc;

/// Runs one statement on PostgreSQL.
pub(crate) async fn postgres_run<'e>(
    executor: impl sqlx::PgExecutor<'e>,
    sql: &str,
    args: &[Value],
) -> Result<Output> {
    use futures::TryStreamExt;
    use sqlx::Either;

    let mut query = sqlx::query(sql);
    for value in args {
        query = match value {
            Value::Null(Kind::Int) => query.bind(None::<i64>),
            Value::Null(Kind::Real) => query.bind(None::<f64>),
            Value::Null(Kind::Text) => query.bind(None::<&str>),
            Value::Int(v) => query.bind(*v),
            Value::Real(v) => query.bind(*v),
            Value::Text(v) => query.bind(v.as_str()),
        };
    }
    let mut out = Output {
        rows: Vec::new(),
        rows_affected: 0,
    };
    let mut columns: Option<Arc<[String]>> = None;
    let mut results = executor.fetch_many(query);
    while let Some(item) = results.try_next().await? {
        match item {
            Either::Left(done) => out.rows_affected += done.rows_affected(),
            Either::Right(row) => {
                let columns = columns
                    .get_or_insert_with(|| {
                        use sqlx::Column;
                        sqlx::Row::columns(&row)
                            .iter()
                            .map(|c| c.name().to_string())
                            .collect()
                    })
                    .clone();
                out.rows.push(postgres_row(columns, &row)?);
            }
        }
    }
    Ok(out)
}

fn postgres_row(columns: Arc<[String]>, row: &sqlx::postgres::PgRow) -> Result<Row> {
    use sqlx::{Row as _, TypeInfo, ValueRef as _};
    let mut values = Vec::with_capacity(columns.len());
    for i in 0..columns.len() {
        let raw = row.try_get_raw(i)?;
        let type_name = raw.type_info().name().to_string();
        let null = raw.is_null();
        let value = match type_name.as_str() {
            // What a function returning nothing (pg_advisory_xact_lock) answers.
            "VOID" => Value::Null(Kind::Int),
            "INT8" if null => Value::Null(Kind::Int),
            "INT8" => Value::Int(row.try_get::<i64, _>(i)?),
            "INT4" | "INT2" if null => Value::Null(Kind::Int),
            "INT4" => Value::Int(row.try_get::<i32, _>(i)?.into()),
            "INT2" => Value::Int(row.try_get::<i16, _>(i)?.into()),
            "BOOL" if null => Value::Null(Kind::Int),
            "BOOL" => Value::Int(row.try_get::<bool, _>(i)?.into()),
            "FLOAT8" | "FLOAT4" if null => Value::Null(Kind::Real),
            "FLOAT8" => Value::Real(row.try_get::<f64, _>(i)?),
            "FLOAT4" => Value::Real(row.try_get::<f32, _>(i)?.into()),
            "TEXT" | "VARCHAR" | "BPCHAR" | "NAME" if null => Value::Null(Kind::Text),
            "TEXT" | "VARCHAR" | "BPCHAR" | "NAME" => Value::Text(row.try_get::<String, _>(i)?),
            other => {
                return Err(StoreError::Decode(format!(
                    "column {}: unsupported type {other}",
                    columns[i]
                )))
            }
        };
        values.push(value);
    }
    Ok(Row::new(columns, values))
}
