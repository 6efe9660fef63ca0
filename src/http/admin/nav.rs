//! The console's one navigation. A new page adds its entry here, with the least role that
//! may see it; the layout shows each person only the entries their role allows.

use crate::auth::Role;

/// An entry of the navigation.
#[derive(Debug, Clone, Copy)]
pub struct NavEntry {
    pub href: &'static str,
    pub label: &'static str,
    pub least: Role,
}

/// Every console page that has a place in the navigation, in order.
pub const NAV: &[NavEntry] = &[
    NavEntry {
        href: "/admin/",
        label: "Dashboard",
        least: Role::Staff,
    },
    NavEntry {
        href: "/admin/events",
        label: "Events",
        least: Role::Staff,
    },
    NavEntry {
        href: "/admin/box-office",
        label: "Box office",
        least: Role::Staff,
    },
    NavEntry {
        href: "/admin/bookings",
        label: "Bookings",
        least: Role::Staff,
    },
    NavEntry {
        href: "/admin/door",
        label: "Door",
        least: Role::Staff,
    },
    NavEntry {
        href: "/admin/pricing",
        label: "Pricing",
        least: Role::Admin,
    },
    NavEntry {
        href: "/admin/jobs",
        label: "Jobs",
        least: Role::Admin,
    },
    NavEntry {
        href: "/admin/emails",
        label: "Emails",
        least: Role::Admin,
    },
    NavEntry {
        href: "/admin/users",
        label: "Users",
        least: Role::Admin,
    },
    NavEntry {
        href: "/admin/system",
        label: "System",
        least: Role::Admin,
    },
];

/// An entry as the layout draws it.
#[derive(Debug, Clone)]
pub struct NavLink {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}
