//! What Depot's web faces share — the merchant portal (`/portal`, crate `depot-portal`) and
//! the operator console (`/console`, crate `depot-console`):
//!
//! * [`mount::mount`]: each face under its prefix with the same layers (security headers,
//!   language, HTML error pages, database sessions, cross-site protection);
//! * [`session`]: sessions in the database and the typed [`WebSession`];
//! * [`signin`] and [`password`]: throttled sign-in, Argon2id, zxcvbn;
//! * [`csrf`]: Fetch-Metadata / Origin checks plus the per-session form token;
//! * [`page`]: the layout's context ([`PageCtx`]) and [`render`]; [`texts!`] for page strings;
//! * [`shared`]: the sign-in, sign-out and password pages both faces show;
//! * [`assets`]: the stylesheet and scripts at `/static/…`.
//!
//! How to add a page: see `crates/portal/src/developer.rs` for a complete example, and the
//! README's "Adding a page".

pub mod assets;
pub mod csrf;
pub mod error;
pub mod face;
pub mod form;
pub mod headers;
pub mod i18n;
pub mod lang;
pub mod mount;
pub mod page;
pub mod password;
pub mod session;
pub mod shared;
pub mod signin;
pub mod time_fmt;

pub use depot_domain::Lang;
pub use error::{PageError, PageResult};
pub use face::{Face, CONSOLE, PORTAL};
pub use form::Form;
pub use mount::{mount, WebConfig};
pub use page::{render, render_with_status, PageCtx};
pub use session::{Account, Flash, WebSession};
