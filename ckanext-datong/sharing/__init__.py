"""Sharing between departments and counties: requests judged by scenario rules, working-day
deadlines, grants, notices and the audit chain."""
