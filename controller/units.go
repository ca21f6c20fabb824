package controller

const mib = 1 << 20
