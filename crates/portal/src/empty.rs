//! `/portal/reports` and `/portal/videos`: both exist for every approved business (documented
//! for API users), and say plainly that there is nothing to show yet. The exports and the
//! evidence media fill them once those exist.

use crate::auth::PortalUser;
use askama::Template;
use axum::response::Response;
use depot_web::{render, texts, PageCtx};

texts! {
    pub struct EmptyTexts {
        reports: "Báo cáo", "Reports";
        reports_intro: "Các báo cáo và tệp xuất dữ liệu của doanh nghiệp bạn.", "Your business's reports and data exports.";
        no_reports: "Chưa có báo cáo nào", "No reports yet";
        no_reports_body: "Doanh nghiệp của bạn chưa có báo cáo nào. Báo cáo được tạo sẽ hiện ở đây để tải về.", "Your business has no reports. Reports made for it are listed here to download.";
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

pub async fn reports(user: PortalUser) -> Response {
    let t = EmptyTexts::get(user.ctx.lang);
    render(&EmptyPage {
        ctx: user.ctx,
        title: t.reports,
        intro: t.reports_intro,
        heading: t.no_reports,
        body: t.no_reports_body,
        icon: "report",
    })
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
