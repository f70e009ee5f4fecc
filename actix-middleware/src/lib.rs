//! hookgate-actix
