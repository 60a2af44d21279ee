//! `/portal/` for an approved `OMS_USER` business (SPEC §10): today's and the last 7 days'
//! shipments by status, a chart of shipments per day by status (SVG drawn here, with a table
//! of the same numbers), the shipments waiting for stock and the products under their
//! `min_stock_warning`.
//!
//! Every number is a store read that stays cheap with millions of shipments and is live on
//! every view: the per-day counts (and so today's and the week's totals) sum the window's
//! trigger-kept day counts, and the waiting list is the list command's first page.

use crate::auth::OmsUser;
use crate::shipments::{status_badge, ShipmentTexts, PAGE_SIZE};
use askama::Template;
use depot_api::merchant::shipments::{self as api, ShipmentQuery};
use depot_api::paging::Paging;
use depot_api::AppState;
use depot_domain::status::ShipmentStatus;
use depot_domain::Lang;
use depot_store::list::TimeRange;
use depot_store::overview::{LowStock, DAY_OFFSET};
use depot_web::time_fmt::datetime;
use depot_web::{render, texts, PageCtx, PageResult};

const DAYS: i64 = 7;
const DAY: i64 = 86_400;
/// Vietnam time (the pages' clock): UTC+7, the days the store's per-day counts are kept in.
const OFFSET: i64 = DAY_OFFSET;
const WAITING_LISTED: i64 = 5;
const LOW_LISTED: i64 = 10;

texts! {
    pub struct DashboardTexts {
        title: "Tổng quan", "Dashboard";
        intro: "Vận đơn hôm nay và 7 ngày qua, hàng đang chờ và sản phẩm sắp hết.", "Today's and the last 7 days' shipments, what is waiting and what runs low.";
        today: "Hôm nay", "Today";
        week: "7 ngày qua", "Last 7 days";
        created_today: "Vận đơn tạo hôm nay", "Shipments created today";
        created_week: "Vận đơn tạo trong 7 ngày", "Shipments created in 7 days";
        waiting: "Đang chờ hàng", "Waiting for stock";
        low: "Sản phẩm dưới mức cảnh báo", "Products under their warning level";
        by_status: "Theo trạng thái", "By status";
        none: "Không có vận đơn nào.", "No shipments.";
        chart: "Vận đơn mỗi ngày theo trạng thái", "Shipments per day by status";
        chart_desc: "Biểu đồ cột chồng: mỗi cột là một ngày, mỗi màu là một nhóm trạng thái hiện tại của các vận đơn tạo trong ngày.", "Stacked bars: one bar per day, one colour per group of the current status of that day's shipments.";
        chart_table: "Số liệu của biểu đồ", "The chart's numbers";
        day: "Ngày", "Day";
        total: "Tổng", "Total";
        count: "Số vận đơn", "Shipments";
        waiting_none: "Không có vận đơn nào đang chờ hàng.", "No shipment is waiting for stock.";
        view_all: "Xem tất cả", "View all";
        low_none: "Không có sản phẩm nào dưới mức cảnh báo.", "No product is under its warning level.";
        available: "Có thể bán", "Available";
        warning: "Mức cảnh báo", "Warning level";
        product: "Sản phẩm", "Product";
        group_waiting: "Chờ hàng", "Waiting for stock";
        group_warehouse: "Trong kho", "In the warehouse";
        group_carrier: "Đang vận chuyển", "With the carrier";
        group_delivered: "Đã giao", "Delivered";
        group_returned: "Hoàn về", "Returned";
        group_cancelled: "Đã hủy", "Cancelled";
    }
}

/// The chart's status groups: (label, colour, statuses). Fifteen colours would not read;
/// the tables beside it give every status.
fn groups(t: &DashboardTexts) -> [(&'static str, &'static str, &'static [i64]); 6] {
    [
        (t.group_waiting, "#b45309", &[150]),
        (t.group_warehouse, "#1d4ed8", &[100, 200, 210, 220, 290]),
        (t.group_carrier, "#0f766e", &[300, 310, 315, 350]),
        (t.group_delivered, "#15803d", &[390]),
        (t.group_returned, "#6b21a8", &[360, 395]),
        (t.group_cancelled, "#b42318", &[490, 500]),
    ]
}

pub struct StatusCount {
    pub name: &'static str,
    pub label: &'static str,
    pub badge: &'static str,
    pub n: i64,
}

pub struct Bar {
    pub x: i64,
    pub label: String,
    pub total: i64,
    pub segments: Vec<Segment>,
}

pub struct Segment {
    pub y: i64,
    pub height: i64,
    pub colour: &'static str,
    pub title: String,
}

pub struct Tick {
    pub y: i64,
    pub value: i64,
}

pub struct LegendItem {
    pub label: &'static str,
    pub colour: &'static str,
}

pub struct DayRow {
    pub label: String,
    pub cells: Vec<i64>,
    pub total: i64,
}

pub struct WaitingRow {
    pub code: String,
    pub reference: String,
    pub warehouse: String,
    pub created: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    ctx: PageCtx,
    t: &'static DashboardTexts,
    st: &'static ShipmentTexts,
    today_total: i64,
    week_total: i64,
    today: Vec<StatusCount>,
    week: Vec<StatusCount>,
    bars: Vec<Bar>,
    ticks: Vec<Tick>,
    legend: Vec<LegendItem>,
    day_rows: Vec<DayRow>,
    waiting_total: i64,
    waiting: Vec<WaitingRow>,
    low: Vec<LowStock>,
}

/// Chart geometry (SVG user units).
const CHART_W: i64 = 720;
const CHART_H: i64 = 240;
const LEFT: i64 = 44;
const TOP: i64 = 12;
const BOTTOM: i64 = 28;

/// A round axis maximum at or above `max`.
fn axis_max(max: i64) -> i64 {
    let mut step = 1;
    while step * 10 < max.max(1) {
        step *= 10;
    }
    let m = max.max(1);
    for k in [1, 2, 5, 10] {
        if step * k >= m {
            return step * k;
        }
    }
    step * 10
}

fn day_label(start: i64) -> String {
    // dd/mm of the day's first second in Vietnam time.
    datetime(start).chars().take(5).collect()
}

fn by_status(counts: &[(i64, i64)], lang: Lang) -> Vec<StatusCount> {
    ShipmentStatus::ALL
        .iter()
        .filter_map(|s| {
            let n: i64 = counts
                .iter()
                .filter(|(v, _)| *v == s.value())
                .map(|(_, n)| n)
                .sum();
            (n > 0).then(|| StatusCount {
                name: s.name(),
                label: s.label(lang),
                badge: status_badge(*s),
                n,
            })
        })
        .collect()
}

pub async fn show(state: &AppState, user: OmsUser) -> PageResult {
    let user = user.0;
    let lang = user.ctx.lang;
    let t = DashboardTexts::get(lang);
    let business_id = user.business.business_id;
    let now = state.now();
    let today_start = (now + OFFSET).div_euclid(DAY) * DAY - OFFSET;
    let from = today_start - (DAYS - 1) * DAY;
    let counts = state.db.shipments_per_day(business_id, from, DAYS).await?;

    let today_counts: Vec<(i64, i64)> = counts
        .iter()
        .filter(|c| c.day == DAYS - 1)
        .map(|c| (c.status, c.n))
        .collect();
    let week_counts: Vec<(i64, i64)> = counts.iter().map(|c| (c.status, c.n)).collect();
    let groups = groups(t);

    // Per day and group.
    let mut grid = vec![[0i64; 6]; DAYS as usize];
    for c in &counts {
        if let Some(g) = groups.iter().position(|(_, _, s)| s.contains(&c.status)) {
            if let Some(day) = grid.get_mut(c.day as usize) {
                day[g] = day[g].saturating_add(c.n);
            }
        }
    }
    let max = grid
        .iter()
        .map(|d| d.iter().sum::<i64>())
        .max()
        .unwrap_or(0);
    let top = axis_max(max);
    let plot_h = CHART_H - TOP - BOTTOM;
    let slot = (CHART_W - LEFT) / DAYS;
    // The template draws bars 58 units wide.
    let bar_w = 58;
    let y_of = |v: i64| TOP + plot_h - v.saturating_mul(plot_h) / top;
    let bars = grid
        .iter()
        .enumerate()
        .map(|(i, day)| {
            let start = from + i as i64 * DAY;
            let label = day_label(start);
            let mut acc = 0i64;
            let mut segments = Vec::new();
            for (g, n) in day.iter().enumerate() {
                if *n == 0 {
                    continue;
                }
                let y_top = y_of(acc + n);
                let y_bottom = y_of(acc);
                segments.push(Segment {
                    y: y_top,
                    height: (y_bottom - y_top).max(1),
                    colour: groups[g].1,
                    title: format!("{label} · {}: {n}", groups[g].0),
                });
                acc += n;
            }
            Bar {
                x: LEFT + i as i64 * slot + (slot - bar_w) / 2,
                label,
                total: acc,
                segments,
            }
        })
        .collect();
    // Whole-number gridlines: the axis maximum is 1, 2 or 5 times a power of ten.
    let step = (top / 5).max(1);
    let ticks = (0..=top / step)
        .map(|k| {
            let value = k * step;
            Tick {
                y: y_of(value),
                value,
            }
        })
        .collect();
    let day_rows = grid
        .iter()
        .enumerate()
        .map(|(i, day)| DayRow {
            label: day_label(from + i as i64 * DAY),
            cells: day.to_vec(),
            total: day.iter().sum(),
        })
        .collect();

    let waiting = api::load_list(
        state,
        business_id,
        ShipmentQuery {
            status: Some(ShipmentStatus::OutOfStock.name().into()),
            ..ShipmentQuery::default()
        },
        None,
        TimeRange::default(),
        &Paging {
            page: None,
            page_size: Some(WAITING_LISTED.min(PAGE_SIZE).to_string()),
            cursor: None,
        },
    )
    .await?;
    let low = state.db.low_stock_products(business_id, LOW_LISTED).await?;

    let page = DashboardPage {
        t,
        st: ShipmentTexts::get(lang),
        today_total: today_counts.iter().map(|(_, n)| n).sum(),
        week_total: week_counts.iter().map(|(_, n)| n).sum(),
        today: by_status(&today_counts, lang),
        week: by_status(&week_counts, lang),
        bars,
        ticks,
        legend: groups
            .iter()
            .map(|(label, colour, _)| LegendItem { label, colour })
            .collect(),
        day_rows,
        waiting_total: waiting.total,
        waiting: waiting
            .items
            .iter()
            .map(|s| WaitingRow {
                code: s.tracking_code(),
                reference: s.merchant_tracking_code_reference.clone(),
                warehouse: s.warehouse_code.clone(),
                created: datetime(s.created_time),
            })
            .collect(),
        low,
        ctx: user.ctx,
    };
    Ok(render(&page))
}

#[cfg(test)]
mod tests {
    #[test]
    fn axis_maxima_are_round() {
        assert_eq!(super::axis_max(0), 1);
        assert_eq!(super::axis_max(3), 5);
        assert_eq!(super::axis_max(7), 10);
        assert_eq!(super::axis_max(11), 20);
        assert_eq!(super::axis_max(480), 500);
        assert_eq!(super::axis_max(501), 1000);
    }
}
