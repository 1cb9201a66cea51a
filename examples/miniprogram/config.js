// Where the API is. The local server (cargo run -p wxauth-dev) for DevTools
// with 详情 → 本地设置 → "不校验合法域名" ticked; your ApiUrl (HTTPS, in the
// request, uploadFile and downloadFile domain lists) for a real phone.
module.exports = {
  baseUrl: 'http://127.0.0.1:3000',
};
