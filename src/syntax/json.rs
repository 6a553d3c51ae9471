//! JSON front end (being written)
