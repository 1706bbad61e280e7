"""Operations: consistency check, backup and restore."""
