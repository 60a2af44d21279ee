//! A face is a set of pages under one prefix with its own session cookie: the merchant
//! portal (`/portal`) and the operator console (`/console`). What every page needs to know
//! about the face it is on; [`crate::mount`] builds the faces' routers.

use crate::i18n::Common;
use crate::Lang;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaceKind {
    Portal,
    Console,
}

/// Which face a request is on (a request extension every page can read).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Face {
    pub kind: FaceKind,
    /// `/portal`, `/console`.
    pub prefix: &'static str,
    /// The session cookie's name.
    pub cookie: &'static str,
}

pub const PORTAL: Face = Face {
    kind: FaceKind::Portal,
    prefix: "/portal",
    cookie: "depot_portal",
};

pub const CONSOLE: Face = Face {
    kind: FaceKind::Console,
    prefix: "/console",
    cookie: "depot_console",
};

impl Face {
    pub fn name(self, lang: Lang) -> &'static str {
        let t = Common::get(lang);
        match self.kind {
            FaceKind::Portal => t.portal_name,
            FaceKind::Console => t.console_name,
        }
    }

    /// The face's start page.
    pub fn home(self) -> &'static str {
        match self.kind {
            FaceKind::Portal => "/portal/",
            FaceKind::Console => "/console/",
        }
    }

    /// Its sign-in page, coming back to `next` afterwards.
    pub fn sign_in_url(self, next: Option<&str>) -> String {
        match next {
            Some(next) if next.starts_with(self.prefix) => format!(
                "{}/login?{}",
                self.prefix,
                serde_urlencoded::to_string([("next", next)]).unwrap_or_default()
            ),
            _ => format!("{}/login", self.prefix),
        }
    }
}
