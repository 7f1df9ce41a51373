"""Pulling agency exports from where agencies keep them, into the inbox.

One framework for every kind (``run.py``): the portal's statistics API, SFTP drop
folders, the SOC's Wazuh indexer and e-office exports of document events. Each pulled
file is whole, hashed and in ``meta.pulled_files`` before it enters the inbox; the
watermarks in ``meta.pull_watermarks`` let the next run start where this one ended.
"""
