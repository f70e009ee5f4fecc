//! hookgate-conformance
