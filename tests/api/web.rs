//! A small browser for the page tests: keeps cookies per client, does not follow redirects
//! (tests see every 303), and finds the form token in the last page it read.
#![allow(dead_code)]

use crate::helpers::TestApp;
use reqwest::header::{HeaderMap, COOKIE, LOCATION, SET_COOKIE};
use reqwest::StatusCode;
use std::collections::BTreeMap;

/// A strong password the strength check accepts.
pub const PASSWORD: &str = "Sóng-biển-Hạ-Long-2026";

pub struct Browser {
    base: String,
    client: reqwest::Client,
    cookies: BTreeMap<String, String>,
    /// The form token of the last page read.
    pub csrf: Option<String>,
}

#[derive(Debug)]
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> Option<&str> {
        self.headers.get(LOCATION).and_then(|v| v.to_str().ok())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts an HTML page with this status.
    #[track_caller]
    pub fn expect(&self, status: u16) -> &Page {
        assert_eq!(
            self.status.as_u16(),
            status,
            "status; body: {}",
            &self.body[..self.body.len().min(3000)]
        );
        if status != 303 {
            assert!(
                self.header("content-type")
                    .is_some_and(|c| c.starts_with("text/html")),
                "an HTML page, got {:?}",
                self.header("content-type")
            );
        }
        self
    }

    #[track_caller]
    pub fn expect_redirect(&self, to: &str) -> &Page {
        assert_eq!(self.status, StatusCode::SEE_OTHER, "{}", self.body);
        assert_eq!(self.location(), Some(to));
        self
    }

    #[track_caller]
    pub fn contains(&self, text: &str) -> &Page {
        assert!(
            self.body.contains(text),
            "page lacks {text:?}: {}",
            &self.body[..self.body.len().min(4000)]
        );
        self
    }

    #[track_caller]
    pub fn lacks(&self, text: &str) -> &Page {
        assert!(!self.body.contains(text), "page has {text:?}");
        self
    }

    /// The text of the first element carrying `data-secret`.
    pub fn secret(&self) -> Option<String> {
        let at = self.body.find("data-secret>")?;
        let rest = &self.body[at + "data-secret>".len()..];
        Some(rest[..rest.find('<')?].trim().to_string())
    }
}

fn token_in(body: &str) -> Option<String> {
    let marker = "name=\"csrf\" value=\"";
    let at = body.find(marker)? + marker.len();
    let rest = &body[at..];
    Some(rest[..rest.find('"')?].to_string())
}

impl Browser {
    pub fn new(app: &TestApp) -> Browser {
        Browser {
            base: app.base.clone(),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: BTreeMap::new(),
            csrf: None,
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies.get(name).map(String::as_str)
    }

    pub fn forget_cookies(&mut self) {
        self.cookies.clear();
    }

    async fn read(&mut self, res: reqwest::Response) -> Page {
        let status = res.status();
        let headers = res.headers().clone();
        for value in headers.get_all(SET_COOKIE) {
            let value = value.to_str().unwrap();
            let pair = value.split(';').next().unwrap();
            let (name, v) = pair.split_once('=').unwrap();
            let expired = value.contains("Max-Age=0") || v.is_empty();
            if expired {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_string(), v.to_string());
            }
        }
        let body = res.text().await.unwrap();
        if let Some(token) = token_in(&body) {
            self.csrf = Some(token);
        }
        Page {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let res = self
            .client
            .get(format!("{}{path}", self.base))
            .header(COOKIE, self.cookie_header())
            .send()
            .await
            .unwrap();
        self.read(res).await
    }

    /// Posts a form with the current form token added.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let token = self.csrf.clone().unwrap_or_default();
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf", &token));
        self.post_raw(path, &all, &[]).await
    }

    /// Posts exactly these fields with these extra headers.
    pub async fn post_raw(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Page {
        let mut req = self
            .client
            .post(format!("{}{path}", self.base))
            .header(COOKIE, self.cookie_header())
            .form(fields);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let res = req.send().await.unwrap();
        self.read(res).await
    }

    /// Uploads a file as `multipart/form-data` (field `field`), the form token in the query
    /// as the upload forms send it.
    pub async fn post_file(&mut self, path: &str, field: &str, name: &str, bytes: Vec<u8>) -> Page {
        self.post_typed_file(path, field, name, "text/csv", bytes)
            .await
    }

    /// [`Browser::post_file`] with the part's own content type.
    pub async fn post_typed_file(
        &mut self,
        path: &str,
        field: &str,
        name: &str,
        mime: &str,
        bytes: Vec<u8>,
    ) -> Page {
        let token = self.csrf.clone().unwrap_or_default();
        let sep = if path.contains('?') { '&' } else { '?' };
        let boundary = "depot-test-boundary-7f3a";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\n\
             Content-Type: {mime}\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(&bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        self.post_multipart(
            &format!("{path}{sep}csrf={token}"),
            &format!("multipart/form-data; boundary={boundary}"),
            body,
        )
        .await
    }

    /// Posts a `multipart/form-data` body as it is (the form token, if any, goes in the path's
    /// query, as the portal's upload forms send it).
    pub async fn post_multipart(&mut self, path: &str, content_type: &str, body: Vec<u8>) -> Page {
        let res = self
            .client
            .post(format!("{}{path}", self.base))
            .header(COOKIE, self.cookie_header())
            .header("Content-Type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        self.read(res).await
    }

    /// Follows a redirect the last reply gave.
    pub async fn follow(&mut self, page: &Page) -> Page {
        let to = page.location().expect("a redirect").to_string();
        self.get(&to).await
    }

    /// Signs up a business on the portal and returns the owner's page after sign-up.
    pub async fn register(&mut self, email: &str, customer_type: &str) -> Page {
        self.get("/portal/register").await.expect(200);
        let page = self
            .post(
                "/portal/register",
                &[
                    ("business_name", "Cửa hàng Hoa Sen"),
                    ("contact_name", "Nguyễn Thị Lan"),
                    ("email", email),
                    ("phone", "+84 912 345 678"),
                    ("password", PASSWORD),
                    ("customer_type", customer_type),
                ],
            )
            .await;
        page.expect_redirect("/portal/");
        self.follow(&page).await
    }

    /// Signs in on the portal; the reply is the sign-in's own (a 303 when it worked). After
    /// a success the browser reads a page, as a real one would, so it holds the new session's
    /// form token.
    pub async fn sign_in(&mut self, email: &str, password: &str) -> Page {
        self.get("/portal/login").await.expect(200);
        let page = self
            .post("/portal/login", &[("email", email), ("password", password)])
            .await;
        if page.status == StatusCode::SEE_OTHER {
            self.get("/portal/reports").await;
        }
        page
    }

    pub async fn console_sign_in(&mut self, email: &str, password: &str) -> Page {
        self.get("/console/login").await.expect(200);
        let page = self
            .post(
                "/console/login",
                &[("email", email), ("password", password)],
            )
            .await;
        if page.status == StatusCode::SEE_OTHER {
            self.get("/console/password").await;
        }
        page
    }
}

impl TestApp {
    /// The business id of a registered email.
    pub async fn business_of(&self, email: &str) -> i64 {
        self.db
            .user_by_email(email)
            .await
            .unwrap()
            .expect("registered")
            .business_id
    }

    /// Approves through the operator API, as customer support does.
    pub async fn approve(&self, business_id: i64) {
        crate::helpers::send(self.ops(
            reqwest::Method::POST,
            &format!("/businesses/{business_id}/approve"),
        ))
        .await
        .expect_ok(200);
    }

    /// A registered, approved business signed in on a new browser.
    pub async fn portal_user(&self, email: &str, customer_type: &str) -> (Browser, i64) {
        let mut browser = Browser::new(self);
        browser.register(email, customer_type).await.expect(200);
        let id = self.business_of(email).await;
        self.approve(id).await;
        (browser, id)
    }
}

impl TestApp {
    pub fn clock_now(&self) -> i64 {
        use depot_domain::Clock;
        self.clock.now()
    }
}
