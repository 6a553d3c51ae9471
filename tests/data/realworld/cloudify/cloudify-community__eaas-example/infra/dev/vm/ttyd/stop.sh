#!/usr/bin/env bash

sudo systemctl stop ttyd.service
