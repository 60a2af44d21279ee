//! The portal's shipment pages (SPEC §10) under load, as a signed-in user of an `OMS_USER`
//! business sees them over the stored history: the list's first page, the detail page (with
//! its timeline) of a random stored shipment, and the dashboard. The seed merchant becomes an `OMS_USER`
//! business with one portal account (written to the database, not timed), which signs in
//! once over HTTP; every client then sends that session's cookie.

use crate::context::{done, mix, Ctx, Ran};
use crate::http;
use anyhow::{bail, Context};
use depot_domain::business::CustomerType;
use depot_domain::codes::CodeKind;
use reqwest::header::{COOKIE, SET_COOKIE};
use std::collections::BTreeMap;
use std::sync::Arc;

const PASSWORD: &str = "Sóng-biển-Hạ-Long-2026";

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// `name=value` of every cookie a reply sets, over the ones already held.
fn keep_cookies(jar: &mut BTreeMap<String, String>, headers: &reqwest::header::HeaderMap) {
    for value in headers.get_all(SET_COOKIE) {
        let Some(pair) = value.to_str().ok().and_then(|v| v.split(';').next()) else {
            continue;
        };
        if let Some((name, v)) = pair.split_once('=') {
            jar.insert(name.trim().to_string(), v.trim().to_string());
        }
    }
}

fn cookie_header(jar: &BTreeMap<String, String>) -> String {
    jar.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The session cookie of the seed merchant's portal user, signed in over HTTP.
async fn signed_in(ctx: &Ctx) -> anyhow::Result<Arc<str>> {
    let business = ctx.seed.business_id;
    ctx.db
        .set_customer_type(business, CustomerType::OmsUser, now())
        .await?
        .context("the seed business")?;
    let email = format!("bench-{}@depot.invalid", ctx.tag);
    if ctx.db.user_by_email(&email).await?.is_none() {
        let hash = depot_web::password::hash(PASSWORD).await;
        ctx.db
            .create_user(business, &email, "Bench", &hash, now())
            .await?
            .context("a portal account for the seed business")?;
    }
    // Its own client: a sign-in answers 303, which must not be followed.
    let client = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let base = ctx.api.base().to_string();
    let mut jar = BTreeMap::new();
    let login = client.get(format!("{base}/portal/login")).send().await?;
    keep_cookies(&mut jar, login.headers());
    let page = login.text().await?;
    let marker = "name=\"csrf\" value=\"";
    let at = page.find(marker).context("the sign-in form's token")? + marker.len();
    let token = page[at..].split('"').next().unwrap_or_default().to_string();
    let res = client
        .post(format!("{base}/portal/login"))
        .header(COOKIE, cookie_header(&jar))
        .form(&[
            ("email", email.as_str()),
            ("password", PASSWORD),
            ("csrf", token.as_str()),
        ])
        .send()
        .await?;
    if res.status().as_u16() != 303 {
        bail!("portal sign-in answered {}", res.status());
    }
    keep_cookies(&mut jar, res.headers());
    Ok(Arc::from(cookie_header(&jar)))
}

/// A page that is the one asked for (a lost session would redirect to the sign-in page).
fn page_ok(reply: &http::Reply, marker: &str) -> crate::load::OpResult {
    if reply.status == 200 && reply.contains(marker) {
        Ok(1)
    } else {
        Err(format!("{} {}", reply.status, reply.text()))
    }
}

pub async fn portal_list(ctx: &Ctx) -> anyhow::Result<Ran> {
    let cookie = signed_in(ctx).await?;
    let api = ctx.api.clone();
    let m = ctx
        .measure(ctx.load, move |_| {
            let req = api
                .client
                .get(api.url("/portal/shipments"))
                .header(COOKIE, &*cookie);
            async move { page_ok(&http::exchange(req).await?, "data-total") }
        })
        .await;
    Ok(done(m, "req", "first page of 50, status tabs with counts"))
}

pub async fn portal_detail(ctx: &Ctx) -> anyhow::Result<Ran> {
    let cookie = signed_in(ctx).await?;
    let api = ctx.api.clone();
    let (lo, hi) = ctx.history;
    let m = ctx
        .measure(ctx.load, move |i| {
            let id = lo + (mix(i) % ((hi - lo + 1) as u64)) as i64;
            let code = CodeKind::Shipment.format(id);
            let req = api
                .client
                .get(api.url(&format!("/portal/shipments/{code}")))
                .header(COOKIE, &*cookie);
            async move { page_ok(&http::exchange(req).await?, "id=\"timeline\"") }
        })
        .await;
    Ok(done(m, "req", "random stored shipment with its timeline"))
}

pub async fn portal_dashboard(ctx: &Ctx) -> anyhow::Result<Ran> {
    let cookie = signed_in(ctx).await?;
    let api = ctx.api.clone();
    let m = ctx
        .measure(ctx.load, move |_| {
            let req = api.client.get(api.url("/portal/")).header(COOKIE, &*cookie);
            async move { page_ok(&http::exchange(req).await?, "chart-svg-title") }
        })
        .await;
    Ok(done(
        m,
        "req",
        "7 days by day and status (the window's day counts), waiting, low stock",
    ))
}
