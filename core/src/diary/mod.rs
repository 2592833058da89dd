//! Application services: what a screen or an export needs, computed from the store by the pure engines.

pub mod home;
pub mod labs;
pub mod relapse;
pub mod reminders;
pub mod taper;
