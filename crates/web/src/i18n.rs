//! Page strings in both languages, checked by the compiler.
//!
//! Each page declares its own table with [`texts!`](crate::texts): one struct whose fields are
//! the strings, with a Vietnamese and an English text for each. A string missing in one
//! language does not compile, and a template that names an unknown string does not either.
//! Status labels and error messages are not here: they come from `depot_domain`, the same
//! tables the API answers with.

/// Declares a table of page strings:
///
/// ```ignore
/// depot_web::texts! {
///     pub struct DeveloperTexts {
///         title: "Công cụ nhà phát triển", "Developer tools";
///         generate: "Tạo khóa", "Generate key";
///     }
/// }
/// let t: &'static DeveloperTexts = DeveloperTexts::get(lang);
/// ```
#[macro_export]
macro_rules! texts {
    ($(#[$meta:meta])* $vis:vis struct $name:ident { $( $field:ident: $vi:literal, $en:literal; )* }) => {
        $(#[$meta])*
        #[derive(Debug)]
        $vis struct $name { $( pub $field: &'static str, )* }

        impl $name {
            pub fn get(lang: $crate::Lang) -> &'static $name {
                static VI: $name = $name { $( $field: $vi, )* };
                static EN: $name = $name { $( $field: $en, )* };
                match lang {
                    $crate::Lang::Vi => &VI,
                    $crate::Lang::En => &EN,
                }
            }
        }
    };
}

texts! {
    /// What the layout and every face share.
    pub struct Common {
        skip_to_content: "Bỏ qua, đến nội dung chính", "Skip to main content";
        main_navigation: "Điều hướng chính", "Main navigation";
        language: "Ngôn ngữ", "Language";
        sign_out: "Đăng xuất", "Sign out";
        sign_in: "Đăng nhập", "Sign in";
        signed_in_as: "Đang đăng nhập:", "Signed in as";
        portal_name: "Cổng doanh nghiệp", "Merchant portal";
        console_name: "Bảng điều khiển kho", "Operator console";
        footer: "Depot — nền tảng hoàn tất đơn hàng tự vận hành", "Depot — self-hosted fulfillment";
        dismiss: "Đóng", "Dismiss";
        copy: "Sao chép", "Copy";
        copied: "Đã sao chép", "Copied";
        email: "Email", "Email";
        password: "Mật khẩu", "Password";
        back_home: "Về trang chính", "Back to the start page";
        error_title: "Có lỗi xảy ra", "Something went wrong";
        not_found_title: "Không tìm thấy trang", "Page not found";
        not_found_body: "Trang này không tồn tại hoặc bạn không có quyền xem.", "This page does not exist, or it is not yours to see.";
        forbidden_title: "Không có quyền truy cập", "Access denied";
        refused_title: "Yêu cầu bị từ chối", "Request refused";
        reload: "Tải lại trang", "Reload the page";
        required: "bắt buộc", "required";
        never: "Chưa bao giờ", "Never";
        yes: "Có", "Yes";
        no: "Không", "No";
        actions: "Thao tác", "Actions";
        status: "Trạng thái", "Status";
        created: "Tạo lúc", "Created";
        filter: "Lọc", "Filter";
        all: "Tất cả", "All";
        menu: "Menu", "Menu";
        // Changing a password (first sign-in, after a reset).
        change_password_title: "Đổi mật khẩu", "Change your password";
        change_password_intro: "Mật khẩu hiện tại là mật khẩu dùng một lần. Hãy đặt mật khẩu mới trước khi tiếp tục.", "Your current password is a one-time password. Choose a new one to go on.";
        current_password: "Mật khẩu hiện tại", "Current password";
        new_password: "Mật khẩu mới", "New password";
        confirm_password: "Nhập lại mật khẩu mới", "Repeat the new password";
        password_hint: "Ít nhất 10 ký tự; tránh từ thông dụng, tên và dãy dễ đoán.", "At least 10 characters; avoid common words, names and sequences.";
        passwords_differ: "Hai mật khẩu mới không giống nhau.", "The two new passwords differ.";
        same_password: "Mật khẩu mới phải khác mật khẩu cũ.", "The new password must differ from the old one.";
        save_password: "Lưu mật khẩu mới", "Save the new password";
        password_changed: "Đã đổi mật khẩu.", "Password changed.";
        signed_out: "Bạn đã đăng xuất.", "You are signed out.";
        sign_out_question: "Đăng xuất khỏi Depot trên trình duyệt này?", "Sign out of Depot in this browser?";
        session_expired: "Phiên làm việc đã hết hạn. Hãy đăng nhập lại.", "Your session has ended. Please sign in again.";
    }
}
