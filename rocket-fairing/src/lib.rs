//! hookgate-rocket
