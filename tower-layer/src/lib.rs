//! hookgate-tower
