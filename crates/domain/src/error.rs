//! The error codes of the contract (SPEC §1.4), their HTTP status and their text in both
//! languages. This is the only place a code or its message is written.

use crate::Lang;

macro_rules! error_codes {
    ($( $variant:ident = $http:literal, $en:literal, $vi:literal; )*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode { $( $variant, )* }

        impl ErrorCode {
            pub const ALL: &'static [ErrorCode] = &[ $( ErrorCode::$variant, )* ];

            /// The code as it appears in `error_code`, e.g. `SHIPMENT_NOT_FOUND`.
            pub fn as_str(self) -> &'static str {
                match self { $( ErrorCode::$variant => error_codes!(@screaming $variant), )* }
            }

            pub fn http_status(self) -> u16 {
                match self { $( ErrorCode::$variant => $http, )* }
            }

            /// The message template; `{oasin_list}` is filled in by [`ErrorCode::message`].
            fn template(self, lang: Lang) -> &'static str {
                match self { $( ErrorCode::$variant => lang.pick($vi, $en), )* }
            }
        }
    };
    (@screaming $variant:ident) => { crate::status::screaming(stringify!($variant)) };
}

error_codes! {
    BadRequest = 400, "Bad request", "Yêu cầu không hợp lệ";
    Unauthorized = 401, "Invalid access token", "Token không hợp lệ";
    Forbidden = 403, "User does not have access permission", "Bạn không có quyền truy cập";
    NotFound = 404, "Resource not found", "Không tìm thấy tài nguyên";
    MethodNotAllowed = 405, "Method not allowed", "Phương thức không được hỗ trợ";
    Conflict = 409, "The same request is still being processed", "Yêu cầu giống hệt đang được xử lý";
    RequestTimeout = 408, "Request timeout", "Hết thời gian xử lý yêu cầu";
    InvalidPayload = 422, "Invalid request payload", "Dữ liệu yêu cầu không hợp lệ";
    TooManyRequests = 429, "Rate limit exceeded", "Vượt quá giới hạn số lượng yêu cầu";
    InternalServerError = 500, "Internal server error", "Lỗi hệ thống";
    ServiceUnavailable = 503, "Service temporarily unavailable", "Dịch vụ tạm thời không khả dụng";
    AlreadyExists = 400, "SKU already exists within the same business", "SKU đã tồn tại trong cùng doanh nghiệp";
    DuplicateBarcode = 400, "Barcode already exists within the same business", "Mã vạch đã tồn tại trong cùng doanh nghiệp";
    BrandNotFound = 404, "Brand not found", "Không tìm thấy thương hiệu";
    ProductNotFound = 404, "Product not found", "Không tìm thấy sản phẩm";
    ProductStatusNotNew = 400, "Product must be in NEW status to perform this action", "Sản phẩm phải ở trạng thái NEW để thực hiện thao tác này";
    ProductWarehouseConflict = 400, "Product is already mapped with this warehouse", "Sản phẩm đã được gán với kho này";
    ProductsByOasinNotFound = 404, "The OASIN codes {oasin_list} do not exist", "Mã sản phẩm {oasin_list} không tồn tại";
    ProductsNotMappedInWarehouse = 400, "The OASIN codes {oasin_list} are not mapped to this warehouse code", "Mã sản phẩm {oasin_list} chưa được gắn với mã kho yêu cầu";
    ProductsInactive = 400, "The OASIN codes {oasin_list} must be in ACTIVE status to perform this action", "Mã sản phẩm {oasin_list} phải ở trạng thái ACTIVE để thực hiện thao tác này";
    WarehouseNotFound = 404, "Warehouse not found", "Không tìm thấy kho";
    WarehouseAlreadyExists = 400, "Warehouse code already exists", "Mã kho đã tồn tại";
    BusinessNotFound = 404, "Business not found", "Không tìm thấy doanh nghiệp";
    ApiKeyNotFound = 404, "API key not found", "Không tìm thấy API key";
    PoNotFound = 404, "Purchase order not found", "Không tìm thấy đơn nhập";
    PoCannotCancel = 400, "Purchase order can only be cancelled in TRANSIT status", "Chỉ hủy được đơn nhập ở trạng thái TRANSIT";
    PoNotCompleted = 400, "Inspection is available once the purchase order is COMPLETED", "Chỉ xem được kết quả kiểm hàng khi đơn nhập đã HOÀN THÀNH";
    DuplicateReference = 400, "The merchant reference already exists", "Mã tham chiếu của doanh nghiệp đã tồn tại";
    ShipmentNotFound = 404, "Shipment not found", "Không tìm thấy vận đơn";
    ShipmentCannotCancel = 400, "Shipment can no longer be cancelled (handed over to the carrier)", "Không thể hủy vận đơn nữa (đã bàn giao cho đơn vị vận chuyển)";
    ShipmentCannotIntercept = 400, "Only a shipment with the carrier can be intercepted", "Chỉ yêu cầu chặn được vận đơn đang ở đơn vị vận chuyển";
    InterceptNotFound = 404, "This shipment has no intercept request", "Vận đơn này chưa có yêu cầu chặn hàng";
    InterceptAlreadyResolved = 400, "The intercept request was already resolved with another outcome", "Yêu cầu chặn hàng đã được xử lý với kết quả khác";
    ShipmentNotReturnable = 400, "Only a shipment handed over to the carrier can be returned", "Chỉ tạo vận đơn hoàn cho vận đơn đã bàn giao cho đơn vị vận chuyển";
    ReturnShipmentNotFound = 404, "Return shipment not found", "Không tìm thấy vận đơn hoàn";
    ReturnShipmentCannotCancel = 400, "Return shipment can only be cancelled before it is received", "Chỉ hủy được vận đơn hoàn trước khi kho nhận hàng";
    InvalidStatusTransition = 400, "Status transition not allowed", "Không được phép chuyển trạng thái này";
    IdempotencyKeyReused = 422, "Idempotency-Key was used with a different request", "Idempotency-Key đã được dùng cho một yêu cầu khác";
    PlatformNotSupported = 400, "Platform not supported", "Nền tảng không được hỗ trợ";
    InsufficientStock = 400, "Not enough stock for this movement", "Không đủ tồn kho cho thao tác này";
    FileTooLarge = 413, "File too large", "Tệp quá lớn";
    PayloadTooLarge = 413, "Request body too large", "Dữ liệu yêu cầu quá lớn";
    UnsupportedMediaType = 415, "Unsupported media type: send the body as application/json", "Kiểu nội dung không được hỗ trợ: hãy gửi dữ liệu dạng application/json";
    UriTooLong = 414, "Request URI too long", "Địa chỉ yêu cầu quá dài";
    HeadersTooLarge = 431, "Request header fields too large", "Phần đầu yêu cầu quá lớn";
    FileNotFound = 404, "File not found", "Không tìm thấy tệp";
    WebhookNotFound = 404, "Webhook subscription not found", "Không tìm thấy đăng ký webhook";
    WebhookDeliveryNotFound = 404, "Webhook delivery not found", "Không tìm thấy lượt gửi webhook";
    MediaNotFound = 404, "Media not found", "Không tìm thấy tệp bằng chứng";
    RangeNotSatisfiable = 416, "The requested range is outside the file", "Khoảng dữ liệu yêu cầu nằm ngoài tệp";
    ReportNotFound = 404, "Report not found", "Không tìm thấy báo cáo";
    // The warehouse floor (SPEC §11).
    WaveNotFound = 404, "Wave not found", "Không tìm thấy đợt lấy hàng";
    ManifestNotFound = 404, "Manifest not found", "Không tìm thấy biên bản bàn giao";
    ManifestNotOpen = 400, "The manifest is closed: open a new one", "Biên bản bàn giao đã đóng: hãy mở biên bản mới";
    ShipmentsNotReleasable = 400, "Only NEW shipments of this warehouse can be released: {oasin_list}", "Chỉ phát hành được vận đơn MỚI TẠO của kho này: {oasin_list}";
    ShipmentNotInWarehouse = 400, "The shipment belongs to another warehouse", "Vận đơn thuộc kho khác";
    ShipmentNotPacked = 400, "The shipping label is available once the shipment is packed", "Chỉ in được nhãn vận chuyển khi vận đơn đã đóng gói";
    UnitNotInShipment = 400, "This barcode is no product of the shipment", "Mã vạch này không thuộc sản phẩm nào của vận đơn";
    UnitAlreadyPacked = 400, "Every unit of this product is already in the box", "Đã đủ số lượng sản phẩm này trong thùng";
    PackIncomplete = 400, "Scan every unit of the shipment before packing it", "Hãy quét đủ từng sản phẩm của vận đơn trước khi đóng gói";
    // Accounts and sign-in (the portal and the console).
    EmailTaken = 400, "This email already has an account", "Email này đã có tài khoản";
    WeakPassword = 422, "Password too weak: use at least 10 characters and avoid common words, names and sequences", "Mật khẩu quá yếu: dùng ít nhất 10 ký tự, tránh từ thông dụng, tên và dãy dễ đoán";
    InvalidCredentials = 401, "Wrong email or password", "Email hoặc mật khẩu không đúng";
    AccountLocked = 429, "Too many failed sign-ins for this account: try again in 15 minutes", "Đăng nhập sai quá nhiều lần với tài khoản này: hãy thử lại sau 15 phút";
    BusinessSuspended = 403, "This business is suspended: contact customer support", "Doanh nghiệp này đang bị tạm ngưng: hãy liên hệ bộ phận chăm sóc khách hàng";
    BusinessRejected = 403, "This business's registration was rejected: contact customer support", "Đăng ký của doanh nghiệp này đã bị từ chối: hãy liên hệ bộ phận chăm sóc khách hàng";
    CsrfRefused = 403, "This form expired or came from another site: reload the page and try again", "Biểu mẫu đã hết hạn hoặc được gửi từ trang khác: hãy tải lại trang và thử lại";
    OperatorNotFound = 404, "Operator not found", "Không tìm thấy nhân viên vận hành";
}

impl ErrorCode {
    /// The localized message, with `{oasin_list}` replaced by the given codes.
    pub fn message(self, lang: Lang, oasin_list: &[String]) -> String {
        let template = self.template(lang);
        if template.contains("{oasin_list}") {
            template.replace("{oasin_list}", &oasin_list.join(","))
        } else {
            template.to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_screaming_snake() {
        assert_eq!(
            ErrorCode::ProductsByOasinNotFound.as_str(),
            "PRODUCTS_BY_OASIN_NOT_FOUND"
        );
        assert_eq!(ErrorCode::PoNotFound.as_str(), "PO_NOT_FOUND");
        assert_eq!(
            ErrorCode::InternalServerError.as_str(),
            "INTERNAL_SERVER_ERROR"
        );
    }

    #[test]
    fn every_code_is_unique() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            assert!(seen.insert(code.as_str()), "duplicate {}", code.as_str());
        }
    }

    #[test]
    fn oasin_list_is_filled_in() {
        let list = vec!["OASIN0000001".to_string(), "OASIN0000002".to_string()];
        assert_eq!(
            ErrorCode::ProductsInactive.message(Lang::En, &list),
            "The OASIN codes OASIN0000001,OASIN0000002 must be in ACTIVE status to perform this action"
        );
        assert_eq!(
            ErrorCode::NotFound.message(Lang::Vi, &[]),
            "Không tìm thấy tài nguyên"
        );
    }
}
