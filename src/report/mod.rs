//! Report renderers (being written).
