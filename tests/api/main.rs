//! Black-box tests: each starts the real server on a random port over a fresh database and
//! talks to it over HTTP. SQLite always; PostgreSQL when `DEPOT_TEST_DATABASE_URL` is set
//! (e.g. `postgres://postgres@127.0.0.1:5432/postgres`), where each test gets its own database.

mod helpers;
mod procs;
mod web;

mod catalog;
mod console_pages;
mod console_support;
mod dialects;
mod files;
mod floor_manifests;
mod floor_waves;
mod foundation;
mod hardening;
mod inbound_returns;
mod intercept;
mod media;
mod multiproc;
mod portal_catalog;
mod portal_console;
mod portal_keys;
mod portal_reports;
mod portal_security;
mod portal_shipments;
mod portal_signup;
mod portal_webhooks;
mod races;
mod reports;
mod shipments;
mod webhook_proxy;
mod webhooks;
