//! `/portal/videos`: exists for every approved business (documented for API users), and says
//! plainly that there is nothing to show yet. The evidence media fill it once they exist.

use crate::auth::PortalUser;
use askama::Template;
use axum::response::Response;
use depot_web::{render, texts, PageCtx};

texts! {
    pub struct EmptyTexts {
        videos: "Video", "Videos";
        videos_intro: "Video đóng gói và kiểm hàng hoàn của vận đơn và đơn hoàn.", "Packing and return-inspection videos of your shipments and returns.";
        no_videos: "Chưa có video nào", "No videos yet";
        no_videos_body: "Chưa có video đóng gói hay kiểm hàng nào cho vận đơn của bạn. Video kho ghi lại sẽ hiện ở đây để xem.", "There are no packing or inspection videos of your shipments yet. Videos the warehouse records are listed here to watch.";
    }
}

#[derive(Template)]
#[template(path = "empty.html")]
struct EmptyPage {
    ctx: PageCtx,
    title: &'static str,
    intro: &'static str,
    heading: &'static str,
    body: &'static str,
    /// `report` or `video`, for the picture.
    icon: &'static str,
}

pub async fn videos(user: PortalUser) -> Response {
    let t = EmptyTexts::get(user.ctx.lang);
    render(&EmptyPage {
        ctx: user.ctx,
        title: t.videos,
        intro: t.videos_intro,
        heading: t.no_videos,
        body: t.no_videos_body,
        icon: "video",
    })
}
