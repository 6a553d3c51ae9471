//! (grammar module: being written)
