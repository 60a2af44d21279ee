//! `/portal/videos` (every approved business, documented for API users too): the packing and
//! inspection media of the business's shipments and returns, newest first, each playable in
//! the page (`<video>` on the medium's capability URL, which serves ranges so the player can
//! seek). An empty state says so plainly when there are none.

use crate::auth::PortalUser;
use askama::Template;
use axum::extract::{Query, State};
use depot_api::media::MediaObject;
use depot_api::merchant::media::business_media;
use depot_api::AppState;
use depot_domain::Lang;
use depot_store::list::PageRequest;
use depot_web::time_fmt::datetime;
use depot_web::{render, texts, PageCtx, PageResult};
use serde::Deserialize;

/// Media shown on one page.
const PER_PAGE: i64 = 24;

texts! {
    pub struct VideoTexts {
        videos: "Video", "Videos";
        videos_intro: "Video đóng gói và kiểm hàng hoàn của vận đơn và đơn hoàn.", "Packing and return-inspection videos of your shipments and returns.";
        no_videos: "Chưa có video nào", "No videos yet";
        no_videos_body: "Chưa có video đóng gói hay kiểm hàng nào cho vận đơn của bạn. Video kho ghi lại sẽ hiện ở đây để xem.", "There are no packing or inspection videos of your shipments yet. Videos the warehouse records are listed here to watch.";
        packing: "Đóng gói", "Packing";
        inspection: "Kiểm hàng hoàn", "Return inspection";
        photo: "Ảnh", "Photo";
        shipment: "Vận đơn", "Shipment";
        return_shipment: "Đơn hoàn", "Return";
        station: "Bàn", "Station";
        recorded: "Ghi lúc", "Recorded";
        duration: "Thời lượng", "Duration";
        open: "Mở tệp", "Open the file";
        no_player: "Trình duyệt không phát được video này.", "This browser cannot play the video.";
        older: "Video cũ hơn", "Older videos";
        newer: "Video mới hơn", "Newer videos";
        page: "Trang", "Page";
    }
}

/// One medium as a card.
pub struct VideoCard {
    pub media_id: i64,
    pub kind: &'static str,
    pub kind_label: &'static str,
    pub owner_label: &'static str,
    pub owner_code: String,
    /// The owner's page, for a business that has it (OMS pages).
    pub owner_href: Option<String>,
    pub url: String,
    pub is_video: bool,
    pub content_type: String,
    pub file_name: String,
    pub station: String,
    pub recorded: String,
    pub duration: String,
    pub no_player: &'static str,
    pub open: &'static str,
    pub t_station: &'static str,
    pub t_recorded: &'static str,
}

impl VideoCard {
    pub fn new(owner_code: &str, m: &MediaObject, lang: Lang, oms: bool) -> VideoCard {
        let t = VideoTexts::get(lang);
        let is_return = owner_code.starts_with("OARSC");
        let owner_href = oms.then(|| {
            if is_return {
                format!("/portal/returns/{owner_code}")
            } else {
                format!("/portal/shipments/{owner_code}")
            }
        });
        VideoCard {
            media_id: m.media_id,
            kind: m.kind,
            kind_label: match m.kind {
                "PACKING" => t.packing,
                "RETURN_INSPECTION" => t.inspection,
                _ => t.photo,
            },
            owner_label: if is_return {
                t.return_shipment
            } else {
                t.shipment
            },
            owner_code: owner_code.to_string(),
            owner_href,
            url: m.url.clone(),
            is_video: m.content_type.starts_with("video/"),
            content_type: m.content_type.clone(),
            file_name: m.file_name.clone(),
            station: m.station.clone().unwrap_or_default(),
            recorded: datetime(m.recorded_time.unwrap_or(m.created_time)),
            duration: m
                .duration_seconds
                .filter(|d| d.is_finite() && *d >= 0.0)
                .map(|d| {
                    let s = d.round() as i64;
                    format!("{}:{:02}", s / 60, s % 60)
                })
                .unwrap_or_default(),
            no_player: t.no_player,
            open: t.open,
            t_station: t.station,
            t_recorded: t.recorded,
        }
    }
}

#[derive(Template)]
#[template(path = "videos.html")]
struct VideosPage {
    ctx: PageCtx,
    t: &'static VideoTexts,
    cards: Vec<VideoCard>,
    page: i64,
    older: Option<String>,
    newer: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct VideoQuery {
    pub page: Option<String>,
}

pub async fn index(
    State(state): State<AppState>,
    user: PortalUser,
    Query(q): Query<VideoQuery>,
) -> PageResult {
    let lang = user.ctx.lang;
    let oms = user.is_oms();
    let page = crate::catalog::page_number(q.page.as_deref());
    let request = PageRequest {
        page,
        page_size: PER_PAGE,
        after: None,
    };
    let (found, total) = business_media(&state, user.business.business_id, &request).await?;
    let more = page.saturating_mul(PER_PAGE) < total;
    let cards = found
        .iter()
        .map(|(owner, m)| VideoCard::new(owner, m, lang, oms))
        .collect();
    Ok(render(&VideosPage {
        t: VideoTexts::get(lang),
        cards,
        page,
        older: more.then(|| format!("/portal/videos?page={}", page + 1)),
        newer: (page > 1).then(|| format!("/portal/videos?page={}", page - 1)),
        ctx: user.ctx,
    }))
}
