"""Caching what every visitor sees alike: the store (Redis or this process's memory) and the
public content's generation, which every change to what the public pages read moves on."""
