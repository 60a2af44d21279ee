//! The error replies of every route in `/openapi.json`, from one place: [`ErrorReplies`] adds
//! the shared set to each operation, with the error envelope (`ErrorEnvelope`) as body, so a
//! route documents only its success and, where it wants, a more precise description of an
//! error it is known for. Which codes an operation gets follows from what it is:
//! * every operation: 400, 404, 408, 414, 422 (a bad query, path or body; control
//!   characters), 431 and 500;
//! * with a security scheme: 401 and 403; with the merchant key: 429 (the rate limit) and, for
//!   a change, 409 (the same Idempotency-Key still running);
//! * with a request body: 413 and 415.
//!
//! The provider dialects answer in their providers' shapes (documented on each route); they
//! share only the refusals made before routing (408, 414, 431), which are the envelope.

use depot_domain::ErrorCode;
use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::path::{HttpMethod, Operation};
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaType, Type};
use utoipa::openapi::{OpenApi, Ref, RefOr};

const SCHEMA: &str = "ErrorEnvelope";
const DIALECTS: &[&str] = &["/shipper/", "/ithink/", "/trendyol/"];

/// Adds the shared error replies to every operation of the document.
pub struct ErrorReplies;

impl utoipa::Modify for ErrorReplies {
    fn modify(&self, doc: &mut OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components
            .schemas
            .insert(SCHEMA.to_string(), RefOr::T(envelope_schema()));
        for (status, description) in REPLIES {
            components.responses.insert(
                response_name(*status),
                RefOr::T(
                    ResponseBuilder::new()
                        .description(*description)
                        .content("application/json", envelope_content())
                        .build(),
                ),
            );
        }
        for (path, item) in doc.paths.paths.iter_mut() {
            let dialect = DIALECTS.iter().any(|p| path.starts_with(p));
            for (method, op) in operations(item) {
                for status in statuses(&method, op, dialect) {
                    add(op, status);
                }
            }
        }
    }
}

/// The shared replies: status and description (the codes each may carry).
const REPLIES: &[(u16, &str)] = &[
    (400, "Bad request (`BAD_REQUEST`, or a code of the route's own, e.g. `INVALID_STATUS_TRANSITION`)"),
    (401, "No or an unknown credential (`UNAUTHORIZED`)"),
    (403, "The business is not approved (`FORBIDDEN`)"),
    (404, "Not found (`NOT_FOUND` or the resource's own code, e.g. `SHIPMENT_NOT_FOUND`)"),
    (408, "The request head did not arrive in time (`REQUEST_TIMEOUT`)"),
    (409, "The same Idempotency-Key is still being processed (`CONFLICT`)"),
    (413, "The body is over the limit (`PAYLOAD_TOO_LARGE`, `FILE_TOO_LARGE`)"),
    (414, "The request line is too long (`URI_TOO_LONG`)"),
    (415, "The body is not declared `application/json` (`UNSUPPORTED_MEDIA_TYPE`)"),
    (422, "Invalid input, the fields named in `error_detail` (`INVALID_PAYLOAD`, `IDEMPOTENCY_KEY_REUSED`)"),
    (429, "Over the rate limit, see `Retry-After` (`TOO_MANY_REQUESTS`)"),
    (431, "The request head is too large (`HEADERS_TOO_LARGE`)"),
    (500, "Internal error (`INTERNAL_SERVER_ERROR`)"),
];

fn response_name(status: u16) -> String {
    format!("Error{status}")
}

fn statuses(method: &HttpMethod, op: &Operation, dialect: bool) -> Vec<u16> {
    let mut list = vec![408, 414, 431];
    if dialect {
        return list;
    }
    list.extend([400, 404, 422, 500]);
    // The names of the operation's security schemes (`api_key`, `ops_token`).
    let schemes: Vec<String> = op
        .security
        .iter()
        .flatten()
        .filter_map(|req| serde_json::to_value(req).ok())
        .filter_map(|v| v.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>()))
        .flatten()
        .collect();
    if !schemes.is_empty() {
        list.extend([401, 403]);
    }
    if schemes.iter().any(|s| s == "api_key") {
        list.push(429);
        if !matches!(method, HttpMethod::Get | HttpMethod::Head) {
            list.push(409);
        }
    }
    if op.request_body.is_some() {
        list.extend([413, 415]);
    }
    list
}

/// Adds the shared reply for `status`, or gives a route's own bodiless description of it the
/// envelope.
fn add(op: &mut Operation, status: u16) {
    let key = status.to_string();
    match op.responses.responses.get_mut(&key) {
        None => {
            op.responses.responses.insert(
                key,
                RefOr::Ref(Ref::from_response_name(response_name(status))),
            );
        }
        Some(RefOr::T(own)) if own.content.is_empty() => {
            own.content
                .insert("application/json".to_string(), envelope_content());
        }
        Some(_) => {}
    }
}

fn operations(item: &mut utoipa::openapi::PathItem) -> Vec<(HttpMethod, &mut Operation)> {
    [
        (HttpMethod::Get, item.get.as_mut()),
        (HttpMethod::Put, item.put.as_mut()),
        (HttpMethod::Post, item.post.as_mut()),
        (HttpMethod::Delete, item.delete.as_mut()),
        (HttpMethod::Patch, item.patch.as_mut()),
        (HttpMethod::Head, item.head.as_mut()),
    ]
    .into_iter()
    .filter_map(|(m, op)| op.map(|op| (m, op)))
    .collect()
}

fn envelope_content() -> utoipa::openapi::Content {
    ContentBuilder::new()
        .schema(Some(Ref::from_schema_name(SCHEMA)))
        .build()
}

/// The envelope of an error (SPEC §1.2): `data` null, `error` true, a code of SPEC §1.4.
fn envelope_schema() -> Schema {
    let codes: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    let nullable_string =
        || ObjectBuilder::new().schema_type(SchemaType::from_iter([Type::String, Type::Null]));
    ObjectBuilder::new()
        .description(Some("The envelope of an error reply."))
        .property("data", ObjectBuilder::new().schema_type(Type::Null))
        .property("error", ObjectBuilder::new().schema_type(Type::Boolean))
        .property(
            "error_code",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(codes)),
        )
        .property("log_id", nullable_string())
        .property("messages", ObjectBuilder::new().schema_type(Type::String))
        .property("total", ObjectBuilder::new().schema_type(Type::Integer))
        .property("version", ObjectBuilder::new().schema_type(Type::String))
        .property(
            "error_detail",
            ObjectBuilder::new().schema_type(SchemaType::from_iter([Type::Object, Type::Null])),
        )
        .required("data")
        .required("error")
        .required("error_code")
        .required("log_id")
        .required("messages")
        .required("total")
        .required("version")
        .required("error_detail")
        .into()
}
